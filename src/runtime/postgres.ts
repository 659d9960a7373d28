// Opens Postgres for the Node service: node-postgres when DATABASE_URL is set, else PGlite under .data/
// (one process only). Migrations (db/migrations, drizzle-kit) run under an advisory lock, so several
// instances may start at once.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import type { Db } from "../../db/client.js";
import * as schema from "../../db/schema.js";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../db/migrations", import.meta.url));
/** Arbitrary constant shared by every instance: the advisory lock key for migrations and first-start setup. */
export const SETUP_LOCK_KEY = 727_001;

export interface Postgres {
  db: Db;
  kind: "pg" | "pglite";
  /** Runs `fn` holding the setup advisory lock (session-level, on one connection). */
  withSetupLock<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openNodePostgres(url: string, opts: { max?: number } = {}): Promise<Postgres> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 20,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // A client losing its connection (Postgres restart, network cut) must not crash the process: the pool
  // reports idle clients' errors, and a checked-out client between statements emits its own.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return {
    db,
    kind: "pg",
    async withSetupLock(fn) {
      const client = await pool.connect();
      try {
        await client.query("select pg_advisory_lock($1)", [SETUP_LOCK_KEY]);
        try {
          return await fn(drizzlePg(client, { schema }) as unknown as Db);
        } finally {
          await client.query("select pg_advisory_unlock($1)", [SETUP_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query("select 1");
    },
    close: () => pool.end(),
  };
}

export async function openPglite(dataDir: string): Promise<Postgres> {
  mkdirSync(dataDir, { recursive: true });
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const client = await PGlite.create(dataDir);
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    withSetupLock: (fn) => fn(db),
    async ping() {
      await client.query("select 1");
    },
    close: () => client.close(),
  };
}

/** Applies committed migrations under the setup lock. */
export async function migrate(pgx: Postgres): Promise<void> {
  await pgx.withSetupLock(async (db) => {
    if (pgx.kind === "pglite") {
      const { migrate: migrateLite } = await import("drizzle-orm/pglite/migrator");
      // biome-ignore lint/suspicious/noExplicitAny: the PGlite migrator wants its concrete database type; `db` is one.
      await migrateLite(db as any, { migrationsFolder: MIGRATIONS_FOLDER });
    } else {
      // biome-ignore lint/suspicious/noExplicitAny: same, for node-postgres.
      await migratePg(db as any, { migrationsFolder: MIGRATIONS_FOLDER });
    }
  });
}
