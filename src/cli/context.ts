// What CLI commands run against: the service's own config (DATABASE_URL, REDIS_URL, REDIS_PREFIX), a
// Postgres pool, and (opened on first use) Redis with the JobsService the API uses, so retry and cancel
// behave exactly as through the API.
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import type { EventBus } from "../events/bus.js";
import type { Waiting } from "../flow/waiting.js";
import type { JobsService } from "../jobs/service.js";
import type { Logger } from "../logger.js";
import type { Queues } from "../queue/queues.js";
import { openNodePostgres, type Postgres } from "../runtime/postgres.js";

export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface CliContext {
  config: Config;
  pg: Postgres;
  log: Logger;
  /** Opens Redis and loads the catalog on first use (most commands need neither). */
  jobs(): Promise<JobsService>;
  /** The service's Redis (opened on first use). */
  redis(): Promise<Redis>;
  /** The wake lists of waiting jobs (opens Redis and the catalog on first use). */
  waiting(): Promise<Waiting>;
  close(): Promise<void>;
}

export async function openCli(config: Config, log: Logger): Promise<CliContext> {
  if (!config.DATABASE_URL) {
    throw new CliError(
      "DATABASE_URL is not set: the CLI talks to the service's Postgres (the embedded PGlite database is single-process; stop the service or use a server database)",
      2,
    );
  }
  const pg = await openNodePostgres(config.DATABASE_URL, { max: 2 });
  let redis: Redis | null = null;
  let queues: Queues | null = null;
  let events: EventBus | null = null;
  let jobs: JobsService | null = null;
  const openRedis = async (): Promise<Redis> => {
    if (!redis) {
      const { Redis } = await import("ioredis");
      redis = new Redis(config.REDIS_URL ?? "redis://127.0.0.1:6379", {
        maxRetriesPerRequest: 1,
        connectTimeout: 3_000,
        retryStrategy: () => null,
      });
      redis.on("error", () => {});
    }
    return redis;
  };
  const ctx: CliContext = {
    config,
    pg,
    log,
    redis: openRedis,
    async jobs() {
      if (!jobs) {
        const [client, { catalog }, { EventBus }, { JobsService }, { Lifecycle }, { Queues }] =
          await Promise.all([
            openRedis(),
            import("../../handlers/catalog.js"),
            import("../events/bus.js"),
            import("../jobs/service.js"),
            import("../lifecycle/lifecycle.js"),
            import("../queue/queues.js"),
          ]);
        queues = new Queues(client, config.REDIS_PREFIX, catalog);
        events = new EventBus(client, config.REDIS_PREFIX);
        const lifecycle = new Lifecycle({
          db: pg.db,
          redis: client,
          queues,
          events,
          log,
          queueTimeoutMs: 5_000,
        });
        jobs = new JobsService({
          db: pg.db,
          lifecycle,
          catalog,
          log,
          retryDelaysMs: config.RETRY_DELAYS_MS,
          queueTimeoutMs: 5_000,
        });
      }
      return jobs;
    },
    async waiting() {
      await ctx.jobs();
      const { Waiting } = await import("../flow/waiting.js");
      return new Waiting({
        db: pg.db,
        redis: await openRedis(),
        prefix: config.REDIS_PREFIX,
        queues: queues!,
      });
    },
    async close() {
      await queues?.close();
      await events?.close().catch(() => {});
      redis?.disconnect();
      await pg.close();
    },
  };
  return ctx;
}
