// Per-organization cap on active jobs across every relay: a Redis sorted set of slot leases per org
// (member = slot id, score = lease expiry), so a crashed relay's slots free themselves when leases expire.
// A relay keeps the slots it took while its jobs of that organization keep coming: a finished job hands its
// slot to the next one without a Redis call, and a slot left unused for IDLE_RELEASE_MS goes back. Every
// active job holds a distinct slot, so the cap holds across relays. Takes, renewals and releases of all
// worker slots travel together, one script call per batch.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { selfClockingBatch } from "../runtime/batch.js";

// KEYS: one lease set per item. ARGV: now, cap, then per item: op ("a" take or renew, "r" release), slot,
// expiry. Releases run first, so a slot freed in this batch can be taken in it.
const SCRIPT = `
local now, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for pass = 1, 2 do
  for i, key in ipairs(KEYS) do
    local op, slot, expiry = ARGV[i * 3], ARGV[i * 3 + 1], tonumber(ARGV[i * 3 + 2])
    if pass == 1 and op == 'r' then
      redis.call('ZREM', key, slot)
      out[i] = 1
    elseif pass == 2 and op == 'a' then
      redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
      if redis.call('ZSCORE', key, slot) or redis.call('ZCARD', key) < cap then
        redis.call('ZADD', key, expiry, slot)
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

/** A slot unused this long goes back to the organization's pool in Redis. */
export const IDLE_RELEASE_MS = 200;
/** Leases run this long past the job's timeout (a crashed relay's slots are free again after it). */
const LEASE_MARGIN_MS = 60_000;
/** A held slot is handed to a job only if its lease outlasts the job's timeout by this much; else renewed. */
const HANDOUT_MARGIN_MS = 5_000;

type CapRedis = Redis & { orgCap(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

interface CapOp {
  op: "a" | "r";
  key: string;
  slot: string;
  expiry: number;
}

interface Slot {
  id: string;
  expiry: number;
  /** When it was last given back by a job (free slots only). */
  freedAt: number;
}

export class OrgCap {
  private readonly redis: CapRedis;
  private readonly batch;
  private readonly owner = randomBytes(6).toString("hex");
  private seq = 0;
  /** Slots this relay holds but no job uses, per organization. */
  private readonly free = new Map<string, Slot[]>();
  private sweeper: NodeJS.Timeout | null = null;

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
      for (const o of ops) args.push(o.op, o.slot, o.expiry);
      const out = await this.redis.orgCap(ops.length, ...ops.map((o) => o.key), ...args);
      return out.map((v) => v === 1);
    });
  }

  private key(orgId: string) {
    return `${this.prefix}:orgcap:${orgId}`;
  }

  /**
   * A slot for a job that may run `timeoutMs`: a free one this relay holds, else a new lease. null when
   * the organization is at its cap.
   */
  async acquire(orgId: string, timeoutMs: number): Promise<Slot | null> {
    if (this.cap <= 0) return { id: "", expiry: Number.POSITIVE_INFINITY, freedAt: 0 };
    const now = Date.now();
    const held = this.free.get(orgId)?.pop();
    if (held && held.expiry >= now + timeoutMs + HANDOUT_MARGIN_MS) return held;
    const slot = held ?? { id: `${this.owner}:${++this.seq}`, expiry: 0, freedAt: 0 };
    const expiry = now + timeoutMs + LEASE_MARGIN_MS;
    if (await this.batch.load({ op: "a", key: this.key(orgId), slot: slot.id, expiry })) {
      slot.expiry = expiry;
      return slot;
    }
    // At the cap. A held slot whose lease could not be renewed was taken back by expiry: forget it.
    return null;
  }

  /** The job is done with its slot: kept for the next job of the organization, returned when unused. */
  release(orgId: string, slot: Slot): void {
    if (this.cap <= 0) return;
    slot.freedAt = Date.now();
    const list = this.free.get(orgId);
    if (list) list.push(slot);
    else this.free.set(orgId, [slot]);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => void this.sweep(false), IDLE_RELEASE_MS / 2);
      this.sweeper.unref();
    }
  }

  /** Gives back slots unused for IDLE_RELEASE_MS (all of them when `all`). */
  sweep(all: boolean): Promise<unknown> {
    const cutoff = Date.now() - IDLE_RELEASE_MS;
    const pending: Promise<boolean>[] = [];
    for (const [orgId, list] of this.free) {
      const keep: Slot[] = [];
      for (const s of list) {
        if (!all && s.freedAt > cutoff) keep.push(s);
        else pending.push(this.batch.load({ op: "r", key: this.key(orgId), slot: s.id, expiry: 0 }));
      }
      if (keep.length) this.free.set(orgId, keep);
      else this.free.delete(orgId);
    }
    if (!this.free.size && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
    return Promise.allSettled(pending);
  }
}
