// Guard: handlers/ runs unchanged on Node and in workerd, so no file in it (tests excluded) may import a
// Node built-in, src/, bullmq, ioredis or pg, or read process.env. The scanner is checked on bad samples
// first, so a scanner that finds nothing cannot pass silently.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { scanSource } from "./portability-scan.js";

const ROOT = resolve(import.meta.dirname, "../..");

function handlerFiles(dir = join(ROOT, "handlers")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return handlerFiles(path);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

describe("the scanner", () => {
  const scan = (code: string) =>
    scanSource(code, join(ROOT, "handlers/x/sample.ts"), ROOT).map((v) => v.rule);

  test("finds each kind of violation", () => {
    expect(scan(`import { readFile } from "node:fs/promises";`)).toEqual(["node-builtin"]);
    expect(scan(`import crypto from "crypto";`)).toEqual(["node-builtin"]);
    expect(scan(`export { x } from "node:buffer";`)).toEqual(["node-builtin"]);
    expect(scan(`async function f() { return import("node:net"); }`)).toEqual(["node-builtin"]);
    expect(scan(`import { startService } from "../../src/service.js";`)).toEqual(["src-import"]);
    expect(scan(`import type { Config } from "../../src/config.js";`)).toEqual(["src-import"]);
    expect(scan(`import { Queue } from "bullmq";`)).toEqual(["server-package"]);
    expect(scan(`import { Redis } from "ioredis";`)).toEqual(["server-package"]);
    expect(scan(`import pg from "pg";`)).toEqual(["server-package"]);
    expect(scan(`const key = process.env.OPENAI_API_KEY;`)).toEqual(["process-env-module-level"]);
    expect(scan(`export const cfg = parse(globalThis.process.env);`)).toEqual(["process-env-module-level"]);
    expect(scan(`const { A } = process["env"];`)).toEqual(["process-env-module-level"]);
    expect(scan(`export function f() { return process.env.A; }`)).toEqual(["process-env"]);
  });

  test("lets edge-safe code through", () => {
    expect(
      scan(`import { z } from "zod";
import { drizzle } from "drizzle-orm/neon-serverless";
import { pgTable } from "drizzle-orm/pg-core";
import type { Redis } from "ioredis";
import { x } from "../../db/schema.js";
const env = (c: { env: Record<string, string> }) => c.env.OPENAI_API_KEY;`),
    ).toEqual([]);
  });
});

test("nothing in handlers/ breaks the edge runtime", () => {
  const files = handlerFiles();
  expect(files.length).toBeGreaterThan(20);
  const violations = files.flatMap((f) => scanSource(readFileSync(f, "utf8"), f, ROOT));
  expect(violations.map((v) => `${v.file}:${v.line} ${v.rule} ${v.detail}`)).toEqual([]);
});
