// The handlers side (ROLE=handlers or all): the handlers app on the Node adapter (pg or PGlite, ioredis,
// the guarded fetch), mounted at / for ROLE=handlers and at /handlers inside ROLE=all. Loaded only by
// the roles that run it.
import type { Hono } from "hono";
import type { Redis } from "ioredis";
import type { Catalog } from "../../handlers/kit/catalog.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Postgres } from "../runtime/postgres.js";

export interface HandlersParts {
  pg: Postgres;
  blocking: Redis;
  catalog: Catalog;
  log: Logger;
  /** The fetch handlers use for outside calls. @default the guarded fetch */
  handlerFetch?: typeof fetch;
}

export async function mountHandlers(root: Hono, cfg: Config, parts: HandlersParts): Promise<void> {
  const [{ createHandlersApp }, { nodeAdapter }, { guardedFetchFromConfig }] = await Promise.all([
    import("../../handlers/kit/app.js"),
    import("../runtime/node-adapter.js"),
    import("../runtime/guarded-fetch.js"),
  ]);
  const adapter = nodeAdapter({
    db: parts.pg.db,
    redis: parts.blocking,
    prefix: cfg.REDIS_PREFIX,
    config: cfg,
    log: parts.log,
    fetch: parts.handlerFetch ?? guardedFetchFromConfig(cfg, [cfg.LINKEDIN_OAUTH_BASE_URL]),
  });
  root.route(
    cfg.ROLE === "handlers" ? "/" : "/handlers",
    createHandlersApp({ catalog: parts.catalog, adapter }),
  );
}
