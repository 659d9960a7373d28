// The API side (ROLE=api or all): the Hono API with its docs, admin and dashboard routes. Loaded only
// by the roles that serve it (a ROLE=relay process does not load zod-openapi, Scalar or bull-board).
import type { Hono } from "hono";
import type { Redis } from "ioredis";
import type { Catalog } from "../../handlers/kit/catalog.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Postgres } from "../runtime/postgres.js";
import type { Core } from "./core.js";

const answers = (p: Promise<unknown>) =>
  p.then(
    () => true,
    () => false,
  );

export async function mountApi(
  root: Hono,
  cfg: Config,
  parts: { pg: Postgres; redis: Redis; catalog: Catalog; log: Logger; core: Core },
): Promise<void> {
  const { createApi } = await import("../api/app.js");
  const { pg, redis, catalog, log, core } = parts;
  const api = createApi({
    config: cfg,
    db: pg.db,
    redis,
    queues: core.queues,
    catalog,
    events: core.events,
    jobs: core.jobs,
    log,
    metrics: core.metrics,
    readiness: async () => {
      const [r, p] = await Promise.all([answers(redis.ping()), answers(pg.ping())]);
      return { redis: r, postgres: p };
    },
  });
  root.route("/", api);
}
