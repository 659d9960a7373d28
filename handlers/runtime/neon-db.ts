// Postgres on Workers: a Neon serverless Pool (WebSockets) per request, wrapped by drizzle's neon-serverless
// driver. The pool connects lazily on the first query; `close` ends it (the worker defers that with
// ctx.waitUntil). The NEON_* knobs point the driver at a local proxy in tests; unset, Neon's defaults stay.
import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import type { Db } from "../../db/client.js";
import * as schema from "../../db/schema.js";
import type { HandlerConfig } from "../config.js";
import { MissingSettingError } from "../kit/errors.js";

/** Applies the NEON_* knobs to the driver's global settings (one deployment = one env, so this is idempotent). */
function applyNeonKnobs(config: HandlerConfig): void {
  const proxy = config.NEON_WS_PROXY;
  if (proxy) neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
  if (config.NEON_INSECURE_WEBSOCKET) neonConfig.useSecureWebSocket = false;
  if (config.NEON_PIPELINE_CONNECT === "false") neonConfig.pipelineConnect = false;
}

export function openNeonDb(config: HandlerConfig): { db: Db; close: () => Promise<void> } {
  if (!config.DATABASE_URL)
    throw new MissingSettingError(
      "database_unconfigured",
      "DATABASE_URL is required (the Neon connection string)",
    );
  applyNeonKnobs(config);
  // A few connections: a handler may run a query beside an open transaction.
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 4 });
  // An idle client losing its socket must not become an unhandled error.
  pool.on("error", () => {});
  const db = drizzle(pool, { schema }) as unknown as Db;
  return { db, close: () => pool.end() };
}
