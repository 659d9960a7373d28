// Per-organization cap on active jobs across every relay: a Redis sorted set of leases per org
// (member = job id, score = lease expiry), so a crashed relay's slots free themselves when leases expire.
// Takes and releases from every worker slot of this relay travel together, one script call per batch.
import type { Redis } from "ioredis";
import { selfClockingBatch } from "../runtime/batch.js";

// KEYS: one lease set per item. ARGV: now, cap, then per item: op ("a" take, "r" release), job, expiry.
// Releases run first, so a slot freed in this batch can be taken in it.
const SCRIPT = `
local now, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for pass = 1, 2 do
  for i, key in ipairs(KEYS) do
    local op, job, expiry = ARGV[i * 3], ARGV[i * 3 + 1], tonumber(ARGV[i * 3 + 2])
    if pass == 1 and op == 'r' then
      redis.call('ZREM', key, job)
      out[i] = 1
    elseif pass == 2 and op == 'a' then
      redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
      if redis.call('ZSCORE', key, job) or redis.call('ZCARD', key) < cap then
        redis.call('ZADD', key, expiry, job)
        local ttl = redis.call('PTTL', key)
        if ttl < 0 or now + ttl < expiry then redis.call('PEXPIREAT', key, expiry) end
        out[i] = 1
      else
        out[i] = 0
      end
    end
  end
end
return out
`;

type CapRedis = Redis & { orgCap(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

interface CapOp {
  op: "a" | "r";
  key: string;
  jobId: string;
  expiry: number;
}

export class OrgCap {
  private readonly redis: CapRedis;
  private readonly batch;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    /** Active jobs allowed per organization; 0 turns the cap off (no Redis commands). */
    readonly cap: number,
  ) {
    this.redis = redis as CapRedis;
    if (typeof this.redis.orgCap !== "function") redis.defineCommand("orgCap", { lua: SCRIPT });
    this.batch = selfClockingBatch<CapOp, boolean>(async (ops) => {
      const args: (string | number)[] = [Date.now(), this.cap];
      for (const o of ops) args.push(o.op, o.jobId, o.expiry);
      const out = await this.redis.orgCap(ops.length, ...ops.map((o) => o.key), ...args);
      return out.map((v) => v === 1);
    });
  }

  private key(orgId: string) {
    return `${this.prefix}:orgcap:${orgId}`;
  }

  /** Takes a slot for `leaseMs`; false when the organization is at its cap. */
  async acquire(orgId: string, jobId: string, leaseMs: number): Promise<boolean> {
    if (this.cap <= 0) return true;
    return this.batch.load({ op: "a", key: this.key(orgId), jobId, expiry: Date.now() + leaseMs });
  }

  async release(orgId: string, jobId: string): Promise<void> {
    if (this.cap <= 0) return;
    await this.batch.load({ op: "r", key: this.key(orgId), jobId, expiry: 0 });
  }
}
