// Per-organization enqueue rate limit (ENQUEUE_RATE_LIMIT per minute): a fixed one-minute window counted
// in Redis, shared by every API instance; concurrent requests share one script call. Over the limit → 429
// + Retry-After.
import type { Redis } from "ioredis";
import { selfClockingBatch } from "../runtime/batch.js";
import { ApiError } from "./errors.js";

// KEYS: one window counter per request; ARGV: ttl, then the jobs each request adds. Returns the counts.
const SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local add = tonumber(ARGV[i + 1])
  local n = redis.call('INCRBY', key, add)
  if n == add then redis.call('PEXPIRE', key, ARGV[1]) end
  out[i] = n
end
return out
`;

type RlRedis = Redis & { enqueueRate(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

export class EnqueueRateLimit {
  private readonly redis: RlRedis;
  private readonly batch;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    /** Jobs per organization per minute; 0 = unlimited. */
    readonly perMinute: number,
  ) {
    this.redis = redis as RlRedis;
    if (typeof this.redis.enqueueRate !== "function") redis.defineCommand("enqueueRate", { lua: SCRIPT });
    this.batch = selfClockingBatch<{ key: string; n: number }, number>((items) =>
      this.redis.enqueueRate(items.length, ...items.map((i) => i.key), 61_000, ...items.map((i) => i.n)),
    );
  }

  /** Counts `n` jobs for the org; throws 429 when over the limit. */
  async take(orgId: string, n = 1): Promise<void> {
    if (this.perMinute <= 0) return;
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    const key = `${this.prefix}:rl:enqueue:${orgId}:${window}`;
    const count = await this.batch.load({ key, n });
    if (count > this.perMinute) {
      const retryAfter = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
      throw new ApiError(
        429,
        "rate_limited",
        `organization exceeded ${this.perMinute} jobs per minute; retry in ${retryAfter} s`,
        undefined,
        { "Retry-After": String(retryAfter) },
      );
    }
  }
}
