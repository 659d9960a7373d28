// The workerd runtime adapter: per request, a Neon pool (ended after the response via `defer`, i.e.
// ctx.waitUntil), Kv over @upstash/redis, the URL-checked platform fetch, the system clock and a console logger.
import { Redis } from "@upstash/redis/cloudflare";
import type { HandlerConfig } from "../config.js";
import type { Clock, Logger, RuntimeAdapter } from "../kit/context.js";
import { systemClock } from "../kit/context.js";
import { MissingSettingError } from "../kit/errors.js";
import { consoleLogger } from "./console-logger.js";
import { createEdgeFetch } from "./edge-fetch.js";
import { openNeonDb } from "./neon-db.js";
import { upstashKv } from "./upstash-kv.js";

export interface EdgeAdapterOptions {
  config: HandlerConfig;
  /** Keeps the isolate alive for work after the response (ExecutionContext.waitUntil). */
  defer: (work: Promise<unknown>) => void;
  log?: Logger;
  clock?: Clock;
  /** The platform fetch. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** The operator's service base URLs: trusted, so they skip the URL-level checks user URLs get. */
export function serviceOrigins(config: HandlerConfig): string[] {
  return [
    config.OPENAI_BASE_URL,
    config.X_API_BASE_URL,
    config.LINKEDIN_API_BASE_URL,
    config.LINKEDIN_OAUTH_BASE_URL,
    config.FACEBOOK_GRAPH_BASE_URL,
    config.INSTAGRAM_GRAPH_BASE_URL,
  ];
}

export function edgeAdapter(opts: EdgeAdapterOptions): RuntimeAdapter {
  const { config } = opts;
  if (!config.UPSTASH_REDIS_REST_URL || !config.UPSTASH_REDIS_REST_TOKEN)
    throw new MissingSettingError(
      "upstash_redis_unconfigured",
      "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are required",
    );
  const redis = new Redis({
    url: config.UPSTASH_REDIS_REST_URL,
    token: config.UPSTASH_REDIS_REST_TOKEN,
    // Values are opaque strings: "123" must stay "123", not become a number.
    automaticDeserialization: false,
    enableTelemetry: false,
  });
  const fetch = createEdgeFetch({
    allowPrivate: config.SCRAPER_ALLOW_PRIVATE_NETWORKS,
    serviceOrigins: serviceOrigins(config),
    fetch: opts.fetch,
  });
  const kv = upstashKv(redis, config.REDIS_PREFIX);
  const log = opts.log ?? consoleLogger({ runtime: "workerd" });
  const clock = opts.clock ?? systemClock;
  return {
    async context() {
      const pg = openNeonDb(config);
      return {
        ctx: { db: pg.db, kv, fetch, clock, config, log },
        done: async () => opts.defer(pg.close().catch(() => {})),
      };
    },
  };
}
