// Shared OpenAPI schemas: the error body, the job and run resources, list pagination.

import { z } from "@hono/zod-openapi";
import { JOB_STATUSES, RUN_OUTCOMES } from "../../db/schema.js";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi("Error");

export const errorResponses = {
  400: {
    description: "Invalid input; `fields` names each invalid field",
    content: { "application/json": { schema: ErrorSchema } },
  },
  401: {
    description: "Missing or invalid credentials",
    content: { "application/json": { schema: ErrorSchema } },
  },
  404: {
    description: "Not found (or another organization's)",
    content: { "application/json": { schema: ErrorSchema } },
  },
} as const;

export const PrioritySchema = z.enum(["critical", "high", "normal", "low"]);
export const JobStatusSchema = z.enum(JOB_STATUSES);

export const JobSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    userId: z.string(),
    status: JobStatusSchema,
    priority: PrioritySchema,
    payload: z.unknown(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    idempotencyKey: z.string().nullable(),
    runAt: z.string().nullable(),
    nextRunAt: z.string().nullable(),
    expiresAt: z
      .string()
      .nullable()
      .openapi({ description: "A job still waiting then ends failed with `expired`" }),
    waitingOn: z
      .object({ reason: z.string(), key: z.string().nullable(), until: z.string().nullable() })
      .nullable()
      .openapi({
        description: "What a queued job waits on without running (`paused`, …); null when it is not waiting",
      }),
    result: z.unknown(),
    error: z.object({ code: z.string().nullable(), message: z.string().nullable() }).nullable(),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi("Job");

export const RunSchema = z
  .object({
    id: z.string(),
    attempt: z.number().int(),
    outcome: z.enum(RUN_OUTCOMES),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().int(),
    httpStatus: z.number().int().nullable(),
    error: z.object({ code: z.string().nullable(), message: z.string().nullable() }).nullable(),
  })
  .openapi("JobRun");

export const LimitSchema = z.coerce.number().int().min(1).max(200).default(50);

export function listOf<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
