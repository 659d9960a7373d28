// Nothing outside the lifecycle writes jobs.status: every INSERT into or UPDATE of the jobs table in
// src/, handlers/ and db/ lives in db/queries/lifecycle/ (made by src/lifecycle). Reads, deletes of
// finished history and tests are free.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const ALLOWED = ["db/queries/lifecycle/"];
const WRITES = [
  /\bupdate\s+jobs\b/i,
  /\binsert\s+into\s+jobs\b/i,
  /\.update\(\s*jobs\s*\)/,
  /\.insert\(\s*jobs\s*\)/,
];

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "migrations" && name !== "node_modules") yield* sources(path);
    } else if (path.endsWith(".ts")) yield path;
  }
}

/** "file:line" of every jobs-table write in `text`. */
function jobWrites(file: string, text: string): string[] {
  return text
    .split("\n")
    .flatMap((line, i) => (WRITES.some((w) => w.test(line)) ? [`${file}:${i + 1}`] : []));
}

describe("one owner of job transitions", () => {
  test("the scan finds a write of the jobs table (raw SQL and drizzle)", () => {
    expect(jobWrites("x.ts", "await db.update(jobs).set({ status: 'failed' })\nselect 1")).toEqual([
      "x.ts:1",
    ]);
    expect(jobWrites("y.ts", "sql`update jobs set status = 'queued'`")).toEqual(["y.ts:1"]);
  });

  test("no file outside db/queries/lifecycle/ inserts into or updates the jobs table", () => {
    const found = ["src", "handlers", "db"].flatMap((top) =>
      [...sources(join(ROOT, top))]
        .map((path) => relative(ROOT, path))
        .filter((file) => !ALLOWED.some((a) => file.startsWith(a)))
        .flatMap((file) => jobWrites(file, readFileSync(join(ROOT, file), "utf8"))),
    );
    expect(found).toEqual([]);
  });
});
