// The parts every role shares once Postgres and Redis are open: queues, metrics, the event bus, the
// lifecycle (the one owner of job transitions) and the job commands on top of it.
import type { Redis } from "ioredis";
import type { Catalog } from "../../handlers/kit/catalog.js";
import type { Config } from "../config.js";
import { EventBus } from "../events/bus.js";
import { JobsService } from "../jobs/service.js";
import { Lifecycle } from "../lifecycle/lifecycle.js";
import type { Logger } from "../logger.js";
import { Metrics } from "../observability/metrics.js";
import type { Tracing } from "../observability/tracing.js";
import { Queues } from "../queue/queues.js";
import type { Postgres } from "../runtime/postgres.js";
import type { Stops } from "./stops.js";

export interface Core {
  queues: Queues;
  metrics: Metrics;
  events: EventBus;
  lifecycle: Lifecycle;
  jobs: JobsService;
}

export function buildCore(
  cfg: Config,
  parts: { pg: Postgres; redis: Redis; catalog: Catalog; log: Logger; tracing: Tracing | null },
  stops: Stops,
): Core {
  const { pg, redis, catalog, log, tracing } = parts;
  const queues = new Queues(redis, cfg.REDIS_PREFIX, catalog, tracing?.telemetry);
  stops.push(() => queues.close());
  const metrics = new Metrics({ queues, redis, db: pg.db, pingPostgres: () => pg.ping() });
  const events = new EventBus(redis, cfg.REDIS_PREFIX);
  stops.push(() => events.close());
  const lifecycle = new Lifecycle({ db: pg.db, redis, queues, events, log });
  const jobs = new JobsService({
    db: pg.db,
    lifecycle,
    catalog,
    log,
    retryDelaysMs: cfg.RETRY_DELAYS_MS,
    enqueueRateLimit: cfg.ENQUEUE_RATE_LIMIT,
    onEnqueue: metrics.onEnqueue,
  });
  return { queues, metrics, events, lifecycle, jobs };
}
