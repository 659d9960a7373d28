// The Node runtime adapter: hands each handler request `{db, kv, fetch, clock, config, log}` built
// from the service's long-lived connections (pg or PGlite, ioredis, the guarded fetch).
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import type { HandlerConfig } from "../../handlers/config.js";
import { type Clock, type Logger, type RuntimeAdapter, systemClock } from "../../handlers/kit/context.js";
import { ioredisKv } from "./kv.js";

export function nodeAdapter(opts: {
  db: Db;
  redis: Redis;
  prefix: string;
  config: HandlerConfig;
  log: Logger;
  fetch?: typeof fetch;
  clock?: Clock;
}): RuntimeAdapter {
  const ctx = {
    db: opts.db,
    kv: ioredisKv(opts.redis, opts.prefix),
    fetch: opts.fetch ?? globalThis.fetch,
    clock: opts.clock ?? systemClock,
    config: opts.config,
    log: opts.log,
  };
  return { context: async () => ({ ctx, done: async () => {} }) };
}
