// A short Redis lock (SET NX PX + compare-and-delete) so two instances reconciling schedules at the same
// moment take turns. Reconciling is idempotent anyway; the lock only keeps their writes from interleaving.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class LockTimeoutError extends Error {
  override name = "LockTimeoutError";
}

/**
 * Runs `fn` holding `key`. Waits up to `waitMs` for another holder. The lock expires after `ttlMs` even if
 * its holder dies. @default ttlMs 60_000, waitMs 30_000
 */
export async function withRedisLock<T>(
  redis: Redis,
  key: string,
  fn: () => Promise<T>,
  opts: { ttlMs?: number; waitMs?: number } = {},
): Promise<T> {
  const token = randomUUID();
  const deadline = Date.now() + (opts.waitMs ?? 30_000);
  while ((await redis.set(key, token, "PX", opts.ttlMs ?? 60_000, "NX")) !== "OK") {
    if (Date.now() > deadline)
      throw new LockTimeoutError(`lock ${key} still held after ${opts.waitMs ?? 30_000} ms`);
    await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 50)));
  }
  try {
    return await fn();
  } finally {
    await redis.eval(RELEASE, 1, key, token).catch(() => 0);
  }
}
