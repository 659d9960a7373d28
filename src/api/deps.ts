// What the API's routes receive: long-lived clients built once at start.
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import type { Config } from "../config.js";
import type { EventBus } from "../events/bus.js";
import type { JobsService } from "../jobs/service.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { Queues } from "../queue/queues.js";

export interface ApiDeps {
  config: Config;
  db: Db;
  /** Commands (no offline queue: fails fast when Redis is down). */
  redis: Redis;
  queues: Queues;
  catalog: Catalog;
  events: EventBus;
  jobs: JobsService;
  log: Logger;
  /** Prometheus metrics served at /metrics (absent: no /metrics route). */
  metrics?: Metrics;
  /** Checks both stores for /readyz; names what is down. */
  readiness(): Promise<{ redis: boolean; postgres: boolean }>;
}

export interface ApiEnv {
  Variables: { orgId: string; apiKeyId: string; requestId: string };
}
