// The database type every query is written against: drizzle's generic Postgres database, so the same
// queries run on node-postgres, PGlite and Neon. No driver is imported here; runtime adapters open it.
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema.js";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
