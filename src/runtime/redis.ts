// Finds Redis for the Node service: REDIS_URL, else 127.0.0.1:6379 when it answers, else a private
// redis-server from PATH with its data (AOF on) under DATA_DIR/redis, stopped on exit. Builds the clients:
// `commands` fails fast when Redis is down (the API answers 503 instead of hanging); `blocking` is for
// BullMQ workers (retries forever, so relays resume by themselves when Redis returns).
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import net from "node:net";
import { join, resolve } from "node:path";
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../logger.js";

export class RedisUnavailableError extends Error {
  override name = "RedisUnavailableError";
}

function answers(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((done) => {
    const s = net.connect({ port, host });
    const end = (ok: boolean) => {
      s.destroy();
      done(ok);
    };
    s.setTimeout(500, () => end(false));
    s.once("connect", () => end(true));
    s.once("error", () => end(false));
  });
}

async function freePort(): Promise<number> {
  return new Promise((ok, ko) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => (a && typeof a === "object" ? ok(a.port) : ko(new Error("no free port"))));
    });
  });
}

/** The Redis URL to use, starting a private redis-server when needed. `stop` ends what was started. */
export async function resolveRedis(opts: {
  url?: string;
  dataDir: string;
  log: Logger;
}): Promise<{ url: string; stop: () => Promise<void> }> {
  if (opts.url) return { url: opts.url, stop: async () => {} };
  if (await answers(6379)) return { url: "redis://127.0.0.1:6379", stop: async () => {} };
  const dir = resolve(join(opts.dataDir, "redis"));
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--save", ""],
    {
      stdio: "ignore",
    },
  );
  const failed = await new Promise<Error | null>((done) => {
    child.once("error", (err) => done(err));
    const started = Date.now();
    const tick = async () => {
      if (child.exitCode !== null) return done(new Error(`redis-server exited with code ${child.exitCode}`));
      if (await answers(port)) return done(null);
      if (Date.now() - started > 10_000) return done(new Error("redis-server did not answer within 10 s"));
      setTimeout(tick, 100);
    };
    void tick();
  });
  if (failed) {
    throw new RedisUnavailableError(
      `no Redis: REDIS_URL is unset, nothing answers on 127.0.0.1:6379, and redis-server could not be started (${failed.message}). ` +
        "Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL.",
    );
  }
  opts.log.info({ port, dir }, "started a private redis-server (AOF on)");
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
      }),
  };
}

const retryStrategy = (times: number) => Math.min(2_000, 50 * 2 ** Math.min(times, 6));

/** For commands on the request path: no offline queue, bounded retries, so calls fail fast when down. */
export function commandClient(url: string, extra: RedisOptions = {}): Redis {
  const r = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy,
    lazyConnect: false,
    ...extra,
  });
  r.on("error", () => {}); // reconnects by itself; readiness reports it
  return r;
}

/** For BullMQ workers and blocking reads: retries forever and queues while reconnecting. */
export function blockingClient(url: string, extra: RedisOptions = {}): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: null, retryStrategy, ...extra });
  r.on("error", () => {});
  return r;
}

/** Warns when Redis may evict keys (BullMQ needs noeviction). Silent where CONFIG is not allowed. */
export async function checkEvictionPolicy(redis: Redis, log: Logger): Promise<string | null> {
  try {
    const res = (await redis.config("GET", "maxmemory-policy")) as string[];
    const policy = res[1] ?? null;
    if (policy && policy !== "noeviction") {
      log.warn(
        { policy },
        `Redis maxmemory-policy is ${policy}; set it to noeviction or queued jobs may be evicted`,
      );
    }
    return policy;
  } catch {
    return null;
  }
}
