// The relay side of a service (ROLE=relay or all): the relay, the reconciler and purge, the notifier,
// the webhook sender and the scheduler, each started here and stopped in reverse order.
import type { Redis } from "ioredis";
import type { Catalog } from "../../handlers/kit/catalog.js";
import type { Config } from "../config.js";
import { breakerConfig } from "../flow/provider-flow.js";
import type { Logger } from "../logger.js";
import { Notifier } from "../notifier/notifier.js";
import { WebhookSender } from "../notifier/webhook.js";
import type { Tracing } from "../observability/tracing.js";
import { Purge } from "../reconciler/purge.js";
import { Reconciler } from "../reconciler/reconciler.js";
import { Relay } from "../relay/relay.js";
import type { Postgres } from "../runtime/postgres.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { Core } from "./core.js";
import type { Stops } from "./stops.js";

export interface RelaySide {
  relay: Relay;
  reconciler: Reconciler;
  notifier: Notifier;
  scheduler: Scheduler;
}

export interface RelayParts {
  pg: Postgres;
  redis: Redis;
  /** Blocking connection for BullMQ workers and stream reads. */
  blocking: Redis;
  catalog: Catalog;
  log: Logger;
  tracing: Tracing | null;
  core: Core;
}

export async function startRelaySide(cfg: Config, parts: RelayParts, stops: Stops): Promise<RelaySide> {
  const { pg, redis, blocking, catalog, log, core } = parts;
  if (!cfg.HANDLERS_URL) throw new Error("HANDLERS_URL is required for ROLE=relay");
  if (cfg.NOTIFY_WEBHOOK_URL && !cfg.NOTIFY_WEBHOOK_SECRET)
    throw new Error("NOTIFY_WEBHOOK_URL needs NOTIFY_WEBHOOK_SECRET");
  const relay = new Relay({
    db: pg.db,
    connection: blocking,
    prefix: cfg.REDIS_PREFIX,
    catalog,
    lifecycle: core.lifecycle,
    log,
    handlersUrl: cfg.HANDLERS_URL,
    signingKey: cfg.QSTASH_CURRENT_SIGNING_KEY!,
    retryDelaysMs: cfg.RETRY_DELAYS_MS,
    concurrency: cfg.RELAY_CONCURRENCY,
    typeConcurrency: cfg.RELAY_TYPE_CONCURRENCY,
    orgMaxActive: cfg.ORG_MAX_ACTIVE,
    hostConcurrency: cfg.SCRAPER_HOST_CONCURRENCY,
    breaker: breakerConfig(cfg),
    breakerMaxWaitMs: cfg.BREAKER_MAX_WAIT_MS,
    rateLimitMaxWaits: cfg.RATE_LIMIT_MAX_WAITS,
    rateLimitMaxAgeMs: cfg.RATE_LIMIT_MAX_AGE_MS,
    lockDurationMs: cfg.LOCK_DURATION_MS,
    stalledIntervalMs: cfg.STALLED_INTERVAL_MS,
    stalledIdleIntervalMs: cfg.STALLED_IDLE_INTERVAL_MS,
    drainDelayS: cfg.DRAIN_DELAY_S,
    onOutcome: core.metrics.onOutcome,
    telemetry: parts.tracing?.telemetry,
  });
  await relay.start();
  core.metrics.watchRelay(relay);
  stops.push(() => relay.stop(cfg.SHUTDOWN_GRACE_MS));

  const reconciler = new Reconciler({
    db: pg.db,
    redis: blocking,
    prefix: cfg.REDIS_PREFIX,
    catalog,
    lifecycle: core.lifecycle,
    log,
    intervalMs: cfg.RECONCILE_INTERVAL_MS,
  });
  reconciler.start();
  stops.push(() => reconciler.stop());
  const purge = new Purge({ db: pg.db, log, retentionDays: cfg.JOB_RETENTION_DAYS });
  purge.start();
  stops.push(() => purge.stop());

  const notifier = new Notifier({ db: pg.db, events: core.events, log });
  notifier.start();
  stops.push(() => notifier.stop());
  if (cfg.NOTIFY_WEBHOOK_URL && cfg.NOTIFY_WEBHOOK_SECRET) {
    const webhook = new WebhookSender({
      url: cfg.NOTIFY_WEBHOOK_URL,
      secret: cfg.NOTIFY_WEBHOOK_SECRET,
      db: pg.db,
      log,
      retryDelaysMs: cfg.NOTIFY_WEBHOOK_RETRY_DELAYS_MS,
    });
    webhook.start();
    stops.push(() => webhook.stop());
  }

  const scheduler = new Scheduler({
    config: cfg,
    db: pg.db,
    redis,
    connection: blocking,
    prefix: cfg.REDIS_PREFIX,
    catalog,
    lifecycle: core.lifecycle,
    maxAttempts: core.jobs.maxAttempts,
    log,
  });
  stops.push(() => scheduler.stop());
  await scheduler.start();
  return { relay, reconciler, notifier, scheduler };
}
