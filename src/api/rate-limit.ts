// Per-organization enqueue rate limit (ENQUEUE_RATE_LIMIT per minute): a fixed one-minute window counted
// in Redis by one script call, shared by every API instance. Over the limit → 429 + Retry-After.
import type { Redis } from "ioredis";
import { ApiError } from "./errors.js";

const SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;

type RlRedis = Redis & { enqueueRate(key: string, ttl: number): Promise<number> };

export class EnqueueRateLimit {
  private readonly redis: RlRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    /** Jobs per organization per minute; 0 = unlimited. */
    readonly perMinute: number,
  ) {
    this.redis = redis as RlRedis;
    if (typeof this.redis.enqueueRate !== "function")
      redis.defineCommand("enqueueRate", { numberOfKeys: 1, lua: SCRIPT });
  }

  /** Counts `n` jobs for the org; throws 429 when over the limit. */
  async take(orgId: string, n = 1): Promise<void> {
    if (this.perMinute <= 0) return;
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    const key = `${this.prefix}:rl:enqueue:${orgId}:${window}`;
    let count = 0;
    for (let i = 0; i < n; i++) count = await this.redis.enqueueRate(key, 61_000);
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
