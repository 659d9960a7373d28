// A fresh Postgres database per caller (cloned from this run's migrated template), dropped by `close`.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { openNodePostgres, type Postgres } from "../../src/runtime/postgres.js";
import { withDatabase } from "./global-setup.js";

export interface TestDatabase extends Postgres {
  url: string;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = inject("databaseUrl");
  const name = `fw_t_${inject("runId")}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${inject("templateDb")}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(base, name);
  const pgx = await openNodePostgres(url, { max: 10 });
  return {
    ...pgx,
    url,
    async close() {
      await pgx.close();
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`).finally(() => a.end());
    },
  };
}
