// Per-organization cap on active jobs across every relay: a Redis sorted set of leases per org
// (member = job id, score = lease expiry), so a crashed relay's slots free themselves when leases expire.
import type { Redis } from "ioredis";

const ACQUIRE = `
local key, job = KEYS[1], ARGV[1]
local now, expiry, cap = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZSCORE', key, job) or redis.call('ZCARD', key) < cap then
  redis.call('ZADD', key, expiry, job)
  redis.call('PEXPIREAT', key, expiry)
  return 1
end
return 0
`;

type CapRedis = Redis & {
  orgCapAcquire(key: string, job: string, now: number, expiry: number, cap: number): Promise<number>;
};

export class OrgCap {
  private readonly redis: CapRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    /** Active jobs allowed per organization; 0 turns the cap off (no Redis commands). */
    readonly cap: number,
  ) {
    this.redis = redis as CapRedis;
    if (cap > 0 && typeof this.redis.orgCapAcquire !== "function") {
      redis.defineCommand("orgCapAcquire", { numberOfKeys: 1, lua: ACQUIRE });
    }
  }

  private key(orgId: string) {
    return `${this.prefix}:orgcap:${orgId}`;
  }

  /** Takes a slot for `leaseMs`; false when the organization is at its cap. */
  async acquire(orgId: string, jobId: string, leaseMs: number): Promise<boolean> {
    if (this.cap <= 0) return true;
    const now = Date.now();
    return (await this.redis.orgCapAcquire(this.key(orgId), jobId, now, now + leaseMs, this.cap)) === 1;
  }

  async release(orgId: string, jobId: string): Promise<void> {
    if (this.cap <= 0) return;
    await this.redis.zrem(this.key(orgId), jobId);
  }
}
