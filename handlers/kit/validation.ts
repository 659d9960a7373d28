// zod issues → the `fields` of an error body, each naming the invalid input by its dotted path.
import type { z } from "zod";
import type { FieldIssue } from "./errors.js";

export function zodFields(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return { path: [prefix, path].filter(Boolean).join(".") || "(body)", message: issue.message };
  });
}

export function describeFields(fields: FieldIssue[]): string {
  return fields.map((f) => `${f.path}: ${f.message}`).join("; ");
}
