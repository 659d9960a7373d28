// Composes the Node service by ROLE: api (HTTP API), relay (relay + reconciler + notifier + scheduler),
// handlers (the handlers app), or all of them in one process, with handlers mounted at /handlers and still
// called over signed HTTP. Returns a handle whose `stop` drains and closes everything in order.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { Redis } from "ioredis";
import type { Catalog } from "../handlers/kit/catalog.js";
import type { Config } from "./config.js";
import { credentialsPath, ensureDemoOrg, readCredentials, writeCredentials } from "./embedded/setup.js";
import { EventBus } from "./events/bus.js";
import { JobsService } from "./jobs/service.js";
import { configSecrets, type Logger, redactConfig, rememberSecrets } from "./logger.js";
import { Notifier } from "./notifier/notifier.js";
import { WebhookSender } from "./notifier/webhook.js";
import { Metrics } from "./observability/metrics.js";
import { metricsApp } from "./observability/metrics-route.js";
import { startTracing } from "./observability/tracing.js";
import { Queues } from "./queue/queues.js";
import { Reconciler } from "./reconciler/reconciler.js";
import { Relay } from "./relay/relay.js";
import { migrate, openNodePostgres, openPglite, type Postgres } from "./runtime/postgres.js";
import { blockingClient, checkEvictionPolicy, commandClient, resolveRedis } from "./runtime/redis.js";
import { checkRedisUrl } from "./runtime/redis-url-check.js";
import { Scheduler } from "./scheduler/scheduler.js";

// The API (zod-openapi routes, Scalar docs, bull-board) and the handlers app (guarded fetch, undici) are
// imported only by the roles that run them, and the real catalog only when no catalog is passed in: a
// ROLE=relay process does not load the API or the handlers app (about 30 MB less resident memory).

export interface ServiceOptions {
  log: Logger;
  catalog?: Catalog;
  /** The fetch handlers use for outside calls (the guarded one by default on Node). */
  handlerFetch?: typeof fetch;
  /** Skip the HTTP listener (tests that only need the relay). */
  listen?: boolean;
}

export interface Service {
  url: string;
  config: Config;
  pg: Postgres;
  redis: Redis;
  relay: Relay | null;
  jobs: JobsService;
  reconciler: Reconciler | null;
  notifier: Notifier | null;
  scheduler: Scheduler | null;
  events: EventBus;
  /** Embedded mode only: where the demo key and admin token were written. */
  credentialsFile: string | null;
  stop(): Promise<void>;
}

export async function startService(config: Config, opts: ServiceOptions): Promise<Service> {
  const { log } = opts;
  const catalog = opts.catalog ?? (await import("../handlers/catalog.js")).catalog;
  const role = config.ROLE;
  const embedded = !config.DATABASE_URL;
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((err: Error) => log.warn({ err: err.message }, "stop step failed"));
  };
  try {
    if (embedded && role !== "all") {
      throw new Error(
        `ROLE=${role} needs DATABASE_URL: the embedded PGlite database serves one process only`,
      );
    }
    // Postgres: migrations and first-start setup under one advisory lock.
    const pg = embedded
      ? await openPglite(`${config.DATA_DIR}/pglite`)
      : await openNodePostgres(config.DATABASE_URL!, { max: config.DATABASE_POOL_MAX });
    stops.push(() => pg.close());
    await migrate(pg);

    let creds = embedded ? readCredentials(config.DATA_DIR) : {};
    let credentialsFile: string | null = null;
    const adminToken =
      config.ADMIN_TOKEN ??
      (embedded ? (creds.ADMIN_TOKEN ?? randomBytes(24).toString("base64url")) : undefined);
    const signing = {
      current: config.QSTASH_CURRENT_SIGNING_KEY ?? creds.QSTASH_CURRENT_SIGNING_KEY,
      next: config.QSTASH_NEXT_SIGNING_KEY ?? creds.QSTASH_NEXT_SIGNING_KEY,
    };
    if (!signing.current || !signing.next) {
      if (role !== "all")
        throw new Error(`ROLE=${role} needs QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY`);
      signing.current ??= `sig_${randomBytes(24).toString("base64url")}`;
      signing.next ??= `sig_${randomBytes(24).toString("base64url")}`;
    }
    if (embedded) {
      const demoKey = await pg.withSetupLock((db) => ensureDemoOrg(db));
      creds = {
        ...creds,
        ADMIN_TOKEN: adminToken,
        QSTASH_CURRENT_SIGNING_KEY: signing.current,
        QSTASH_NEXT_SIGNING_KEY: signing.next,
      };
      if (demoKey) creds.DEMO_API_KEY = demoKey;
      credentialsFile = writeCredentials(config.DATA_DIR, creds);
    } else if (!adminToken) {
      log.warn("ADMIN_TOKEN is unset: /admin routes refuse every request");
    }
    const cfg: Config = Object.freeze({
      ...config,
      ADMIN_TOKEN: adminToken,
      QSTASH_CURRENT_SIGNING_KEY: signing.current,
      QSTASH_NEXT_SIGNING_KEY: signing.next,
    });
    rememberSecrets(configSecrets(cfg));
    log.info({ config: redactConfig(cfg) }, "configuration");
    const tracing = await startTracing(cfg.OTEL_EXPORTER_OTLP_ENDPOINT, log);
    if (tracing) stops.push(() => tracing.shutdown());

    // Redis.
    const redisTarget = await resolveRedis({ url: cfg.REDIS_URL, dataDir: cfg.DATA_DIR, log });
    stops.push(redisTarget.stop);
    const redis = commandClient(redisTarget.url);
    stops.push(async () => redis.disconnect());
    const blocking = blockingClient(redisTarget.url);
    stops.push(async () => blocking.disconnect());
    void checkEvictionPolicy(blocking, log);
    if (cfg.REDIS_URL) checkRedisUrl(cfg.REDIS_URL, log);

    const queues = new Queues(redis, cfg.REDIS_PREFIX, catalog, tracing?.telemetry);
    const metrics = new Metrics({ queues, redis, db: pg.db, pingPostgres: () => pg.ping() });
    stops.push(() => queues.close());
    const events = new EventBus(redis, cfg.REDIS_PREFIX);
    stops.push(() => events.close());
    const jobs = new JobsService({
      db: pg.db,
      redis,
      queues,
      catalog,
      events,
      log,
      retryDelaysMs: cfg.RETRY_DELAYS_MS,
      enqueueRateLimit: cfg.ENQUEUE_RATE_LIMIT,
      onEnqueue: metrics.onEnqueue,
    });

    // HTTP: API and/or handlers.
    const root = new Hono();
    if (tracing) root.use("*", tracing.middleware);
    if (role === "all" || role === "api") {
      const { createApi } = await import("./api/app.js");
      const api = createApi({
        config: cfg,
        db: pg.db,
        redis,
        queues,
        catalog,
        events,
        jobs,
        log,
        metrics,
        readiness: async () => {
          const [r, p] = await Promise.all([
            redis.ping().then(
              () => true,
              () => false,
            ),
            pg.ping().then(
              () => true,
              () => false,
            ),
          ]);
          return { redis: r, postgres: p };
        },
      });
      root.route("/", api);
    }
    let url = cfg.PUBLIC_URL ?? "";
    let handlersUrl = cfg.HANDLERS_URL;
    const needsHandlersApp = role === "all" || role === "handlers";
    const handlerModules = needsHandlersApp
      ? await Promise.all([
          import("../handlers/kit/app.js"),
          import("./runtime/node-adapter.js"),
          import("./runtime/guarded-fetch.js"),
        ])
      : null;
    const mountHandlers = (base: string) => {
      const [{ createHandlersApp }, { nodeAdapter }, { guardedFetchFromConfig }] = handlerModules!;
      const handlerConfig = Object.freeze({ ...cfg, HANDLERS_URL: base });
      const adapter = nodeAdapter({
        db: pg.db,
        redis: blocking,
        prefix: cfg.REDIS_PREFIX,
        config: handlerConfig,
        log,
        fetch: opts.handlerFetch ?? guardedFetchFromConfig(handlerConfig, [cfg.LINKEDIN_OAUTH_BASE_URL]),
      });
      const handlersApp = createHandlersApp({ catalog, adapter });
      root.route(role === "handlers" ? "/" : "/handlers", handlersApp);
    };
    if (opts.listen !== false) {
      if (needsHandlersApp && handlersUrl) mountHandlers(handlersUrl);
      const server = serve({ fetch: (req) => root.fetch(req), port: cfg.PORT, hostname: cfg.HOST });
      await new Promise<void>((ok, ko) => {
        server.once("listening", ok);
        server.once("error", ko);
      });
      const port = (server.address() as AddressInfo).port;
      const local = `http://127.0.0.1:${port}`;
      url ||= local;
      if (needsHandlersApp && !handlersUrl) {
        handlersUrl = role === "handlers" ? local : `${local}/handlers`;
        mountHandlers(handlersUrl);
      }
      stops.push(
        () =>
          new Promise<void>((ok) => {
            server.close(() => ok());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      );
    }
    root.get("/", (c) => c.json({ service: "flywheel-workers", role, docs: "/docs" }));
    if (role === "relay")
      root.route("/", metricsApp(metrics, { adminToken: cfg.ADMIN_TOKEN, metricsToken: cfg.METRICS_TOKEN }));
    // Every role answers /healthz (the Docker HEALTHCHECK, App Platform checks); the API has its own.
    if (role === "relay" || role === "handlers") root.get("/healthz", (c) => c.json({ ok: true, role }));

    // Relay side: relay, reconciler, notifier.
    let relay: Relay | null = null;
    let reconciler: Reconciler | null = null;
    let notifier: Notifier | null = null;
    let scheduler: Scheduler | null = null;
    if (role === "all" || role === "relay") {
      if (!handlersUrl) throw new Error("HANDLERS_URL is required for ROLE=relay");
      relay = new Relay({
        db: pg.db,
        connection: blocking,
        prefix: cfg.REDIS_PREFIX,
        catalog,
        events,
        log,
        handlersUrl,
        signingKey: signing.current,
        retryDelaysMs: cfg.RETRY_DELAYS_MS,
        concurrency: cfg.RELAY_CONCURRENCY,
        typeConcurrency: cfg.RELAY_TYPE_CONCURRENCY,
        orgMaxActive: cfg.ORG_MAX_ACTIVE,
        rateLimitMaxWaits: cfg.RATE_LIMIT_MAX_WAITS,
        rateLimitMaxAgeMs: cfg.RATE_LIMIT_MAX_AGE_MS,
        lockDurationMs: cfg.LOCK_DURATION_MS,
        stalledIntervalMs: cfg.STALLED_INTERVAL_MS,
        stalledIdleIntervalMs: cfg.STALLED_IDLE_INTERVAL_MS,
        drainDelayS: cfg.DRAIN_DELAY_S,
        onOutcome: metrics.onOutcome,
        telemetry: tracing?.telemetry,
      });
      await relay.start();
      metrics.watchRelay(relay);
      const r = relay;
      stops.push(() => r.stop(cfg.SHUTDOWN_GRACE_MS));
      reconciler = new Reconciler({
        db: pg.db,
        redis: blocking,
        prefix: cfg.REDIS_PREFIX,
        catalog,
        jobs,
        queues,
        log,
        intervalMs: cfg.RECONCILE_INTERVAL_MS,
        retentionDays: cfg.JOB_RETENTION_DAYS,
      });
      reconciler.start();
      const rc = reconciler;
      stops.push(async () => rc.stop());
      notifier = new Notifier({ db: pg.db, events, log });
      notifier.start();
      const n = notifier;
      stops.push(() => n.stop());
      if (cfg.NOTIFY_WEBHOOK_URL) {
        if (!cfg.NOTIFY_WEBHOOK_SECRET) throw new Error("NOTIFY_WEBHOOK_URL needs NOTIFY_WEBHOOK_SECRET");
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
      scheduler = new Scheduler({
        config: cfg,
        db: pg.db,
        redis,
        connection: blocking,
        prefix: cfg.REDIS_PREFIX,
        catalog,
        queues,
        maxAttempts: jobs.maxAttempts,
        log,
      });
      const sc = scheduler;
      stops.push(() => sc.stop());
      await sc.start();
    }

    log.info({ role, url, embedded, postgres: pg.kind, handlersUrl }, "flywheel-workers started");
    let stopping: Promise<void> | null = null;
    return {
      url,
      config: cfg,
      pg,
      redis,
      relay,
      jobs,
      reconciler,
      notifier,
      scheduler,
      events,
      credentialsFile: credentialsFile ?? (embedded ? credentialsPath(cfg.DATA_DIR) : null),
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
