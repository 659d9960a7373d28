import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

test("fresh database has the migrated schema", async () => {
  const r = await db.db.execute(sql`select count(*)::int as n from jobs`);
  expect((r as unknown as { rows: unknown[] }).rows[0]).toEqual({ n: 0 });
});
