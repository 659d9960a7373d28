// The composition root: starts the Node service by ROLE — api (HTTP API), relay (relay + reconciler +
// notifier + scheduler), handlers (the handlers app), or all of them in one process (handlers mounted
// at /handlers and still called over signed HTTP). Values known before start (secrets, URLs) are
// computed first and frozen into one config; then each role's builder (src/compose/) wires its parts.
import { Hono } from "hono";
import type { Redis } from "ioredis";
import type { Catalog } from "../handlers/kit/catalog.js";
import { mountApi } from "./compose/api-role.js";
import { buildCore } from "./compose/core.js";
import { mountHandlers } from "./compose/handlers-role.js";
import { listen, serviceUrls } from "./compose/http.js";
import { type RelaySide, startRelaySide } from "./compose/relay-role.js";
import { resolveSecrets } from "./compose/secrets.js";
import { Stops } from "./compose/stops.js";
import type { Config } from "./config.js";
import { credentialsPath } from "./embedded/setup.js";
import type { EventBus } from "./events/bus.js";
import type { JobsService } from "./jobs/service.js";
import type { Lifecycle } from "./lifecycle/lifecycle.js";
import { configSecrets, type Logger, redactConfig, rememberSecrets } from "./logger.js";
import type { Notifier } from "./notifier/notifier.js";
import { metricsApp } from "./observability/metrics-route.js";
import { startTracing } from "./observability/tracing.js";
import type { Reconciler } from "./reconciler/reconciler.js";
import type { Relay } from "./relay/relay.js";
import { migrate, openNodePostgres, openPglite, type Postgres } from "./runtime/postgres.js";
import { blockingClient, checkEvictionPolicy, commandClient, resolveRedis } from "./runtime/redis.js";
import { checkRedisUrl } from "./runtime/redis-url-check.js";
import type { Scheduler } from "./scheduler/scheduler.js";

export interface ServiceOptions {
  log: Logger;
  /** @default the real catalog (handlers/catalog.ts), loaded only when none is given */
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
  lifecycle: Lifecycle;
  reconciler: Reconciler | null;
  notifier: Notifier | null;
  scheduler: Scheduler | null;
  events: EventBus;
  /** Embedded mode only: where the demo key and admin token were written. */
  credentialsFile: string | null;
  stop(): Promise<void>;
}

async function openDatabase(config: Config, stops: Stops): Promise<Postgres> {
  const embedded = !config.DATABASE_URL;
  if (embedded && config.ROLE !== "all")
    throw new Error(
      `ROLE=${config.ROLE} needs DATABASE_URL: the embedded PGlite database serves one process only`,
    );
  const pg = embedded
    ? await openPglite(`${config.DATA_DIR}/pglite`)
    : await openNodePostgres(config.DATABASE_URL!, { max: config.DATABASE_POOL_MAX });
  stops.push(() => pg.close());
  await migrate(pg); // under the setup advisory lock, with first-start setup
  return pg;
}

async function openRedis(cfg: Config, log: Logger, stops: Stops): Promise<{ redis: Redis; blocking: Redis }> {
  const target = await resolveRedis({ url: cfg.REDIS_URL, dataDir: cfg.DATA_DIR, log });
  stops.push(target.stop);
  const redis = commandClient(target.url);
  stops.push(async () => redis.disconnect());
  const blocking = blockingClient(target.url);
  stops.push(async () => blocking.disconnect());
  void checkEvictionPolicy(blocking, log);
  if (cfg.REDIS_URL) checkRedisUrl(cfg.REDIS_URL, log);
  return { redis, blocking };
}

export async function startService(config: Config, opts: ServiceOptions): Promise<Service> {
  const { log } = opts;
  const stops = new Stops(log);
  try {
    const catalog = opts.catalog ?? (await import("../handlers/catalog.js")).catalog;
    const role = config.ROLE;
    const pg = await openDatabase(config, stops);
    const { secrets, credentialsFile } = await resolveSecrets(config, pg, log);
    // Listening first: with PORT=0 the port, and so the service's URLs, are known only once bound.
    const root = new Hono();
    const listener = opts.listen === false ? null : await listen(root, config, stops);
    const port = listener?.port ?? null;
    const urls = serviceUrls(config, port);
    const cfg: Config = Object.freeze({ ...config, ...secrets, HANDLERS_URL: urls.handlersUrl });
    rememberSecrets(configSecrets(cfg));
    log.info({ config: redactConfig(cfg) }, "configuration");
    const tracing = await startTracing(cfg.OTEL_EXPORTER_OTLP_ENDPOINT, log);
    if (tracing) {
      stops.push(() => tracing.shutdown());
      root.use("*", tracing.middleware);
    }
    const { redis, blocking } = await openRedis(cfg, log, stops);
    const core = buildCore(cfg, { pg, redis, catalog, log, tracing }, stops);

    if (role === "all" || role === "api") await mountApi(root, cfg, { pg, redis, catalog, log, core });
    if ((role === "all" || role === "handlers") && port !== null)
      await mountHandlers(root, cfg, { pg, blocking, catalog, log, handlerFetch: opts.handlerFetch });
    root.get("/", (c) => c.json({ service: "flywheel-workers", role, docs: "/docs" }));
    if (role === "relay")
      root.route(
        "/",
        metricsApp(core.metrics, { adminToken: cfg.ADMIN_TOKEN, metricsToken: cfg.METRICS_TOKEN }),
      );
    // Every role answers /healthz (the Docker HEALTHCHECK, App Platform checks); the API has its own.
    if (role === "relay" || role === "handlers") root.get("/healthz", (c) => c.json({ ok: true, role }));
    listener?.ready();

    let relaySide: RelaySide | null = null;
    if (role === "all" || role === "relay")
      relaySide = await startRelaySide(cfg, { pg, redis, blocking, catalog, log, tracing, core }, stops);

    log.info(
      { role, url: urls.url, embedded: !cfg.DATABASE_URL, postgres: pg.kind, handlersUrl: cfg.HANDLERS_URL },
      "flywheel-workers started",
    );
    let stopping: Promise<void> | null = null;
    return {
      url: urls.url,
      config: cfg,
      pg,
      redis,
      relay: relaySide?.relay ?? null,
      jobs: core.jobs,
      lifecycle: core.lifecycle,
      reconciler: relaySide?.reconciler ?? null,
      notifier: relaySide?.notifier ?? null,
      scheduler: relaySide?.scheduler ?? null,
      events: core.events,
      credentialsFile: credentialsFile ?? (cfg.DATABASE_URL ? null : credentialsPath(cfg.DATA_DIR)),
      stop: () => {
        stopping ??= stops.run();
        return stopping;
      },
    };
  } catch (err) {
    await stops.run();
    throw err;
  }
}
