// Per-organization cap on active jobs across every relay: a Redis sorted set of slot leases per org
// (member = slot id, score = lease expiry), so a crashed relay's slots free themselves when leases expire.
// A relay keeps the slots it took while its jobs of that organization keep coming: a finished job hands its
// slot to the next one without a Redis call, and a slot left unused for IDLE_RELEASE_MS goes back. Every
// leased job holds a distinct slot, so a hard cap holds exactly across relays. A soft cap (the default) is
// work-conserving: an organization at its cap still gets a slot when no other organization under its own
// cap has a job waiting at the head of the queue (looked at once per ALONE_TTL_MS, in one script call,
// cap-head.ts), so a lone organization may use the whole relay; while it runs on such lent slots it gets
// none, not even one it holds, as long as another organization under its cap waits. Takes, renewals and
// releases of all worker slots travel together, one script call per batch.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { CapLimits } from "../flow/org-limits.js";
import { selfClockingBatch } from "../runtime/batch.js";
import { otherOrgsAtHead } from "./cap-head.js";

// KEYS: two per item, its lease set and the wake list of the jobs waiting for it (src/flow/waiting.ts).
// ARGV: now, then per item: op ("a" take or renew, "r" release), slot, expiry, cap. Releases run first, so a
// slot freed in this batch can be taken in it; a release also pops the longest-waiting job of that key and
// answers its member ("<type>:<jobId>") for the relay to wake, else 1. A take answers 0 (at the cap), 1, or
// 2 when jobs wait for this key (the slot then goes back to Redis when done, not kept by the relay).
const SCRIPT = `
local now = tonumber(ARGV[1])
local out = {}
for pass = 1, 2 do
  for i = 1, #KEYS / 2 do
    local key, waiting = KEYS[i * 2 - 1], KEYS[i * 2]
    local op, slot, expiry, cap = ARGV[i * 4 - 2], ARGV[i * 4 - 1], tonumber(ARGV[i * 4]), tonumber(ARGV[i * 4 + 1])
    if pass == 1 and op == 'r' then
      redis.call('ZREM', key, slot)
      local next = redis.call('ZPOPMIN', waiting)
      if next[1] then out[i] = next[1] else out[i] = 1 end
    elseif pass == 2 and op == 'a' then
      redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
      if redis.call('ZSCORE', key, slot) or redis.call('ZCARD', key) < cap then
        redis.call('ZADD', key, expiry, slot)
        local ttl = redis.call('PTTL', key)
        if ttl < 0 or now + ttl < expiry then redis.call('PEXPIREAT', key, expiry) end
        if redis.call('EXISTS', waiting) == 1 then out[i] = 2 else out[i] = 1 end
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
/** How long "no other organization under its cap is waiting" is trusted for a soft-capped organization. */
export const ALONE_TTL_MS = 200;
/** Waiting jobs looked at, from the head of the queue, to tell whether others are waiting. */
const HEAD = 20;
/** Leases run this long past the job's timeout (a crashed relay's slots are free again after it). */
const LEASE_MARGIN_MS = 60_000;
/** A held slot is handed to a job only if its lease outlasts the job's timeout by this much; else renewed. */
const HANDOUT_MARGIN_MS = 5_000;

type CapRedis = Redis & {
  orgCap(numKeys: number, ...args: (string | number)[]): Promise<(number | string)[]>;
};

interface CapOp {
  op: "a" | "r";
  /** The organization (or host) the slot belongs to. */
  id: string;
  slot: string;
  expiry: number;
  cap: number;
}

export interface Slot {
  /** "" for a slot that holds no lease: no cap, or a soft cap's lent share. */
  id: string;
  /** Jobs were waiting for this key when it was taken: give it back to Redis when done (wakes one). */
  contended?: boolean;
  expiry: number;
  /** When it was last given back by a job (free slots only). */
  freedAt: number;
  /** A soft cap's lent share: the organization is past its cap while this slot is in use. */
  lent?: boolean;
}

const UNLEASED: Slot = { id: "", expiry: Number.POSITIVE_INFINITY, freedAt: 0 };

export interface OrgCapOptions {
  redis: Redis;
  prefix: string;
  /** Key namespace: `orgcap` (organizations) or `hostcap` (hosts, always hard). @default "orgcap" */
  namespace?: string;
  /** The waiting reason whose wake list a release pops (`org_cap`, `host`). @default "org_cap" */
  waitReason?: string;
  /** A release popped a waiting job (member "<type>:<jobId>") of `reason`/`key`: wake it. */
  onWake?: (member: string, reason: string, key: string) => void;
  /** Each organization's cap (0 = none) and whether it is hard. */
  limits: (orgId: string) => Promise<CapLimits>;
}

export class OrgCap {
  private readonly redis: CapRedis;
  private readonly batch;
  private readonly owner = randomBytes(6).toString("hex");
  private seq = 0;
  /** Lent slots in use on this relay, per organization: while any, the organization is past its cap. */
  private readonly lentOut = new Map<string, number>();
  /** Slots this relay holds but no job uses, per organization. */
  private readonly free = new Map<string, Slot[]>();
  private sweeper: NodeJS.Timeout | null = null;
  /** Per queue and organization: until when "no one else under their cap waits" holds. */
  private readonly alone = new Map<string, { until: number; answer: Promise<boolean> }>();
  private readonly prefix: string;
  private readonly namespace: string;
  private readonly waitReason: string;
  private readonly onWake: (member: string, reason: string, key: string) => void;
  private readonly limits: OrgCapOptions["limits"];

  constructor(options: OrgCapOptions) {
    this.prefix = options.prefix;
    this.namespace = options.namespace ?? "orgcap";
    this.waitReason = options.waitReason ?? "org_cap";
    this.onWake = options.onWake ?? (() => {});
    this.limits = options.limits;
    this.redis = options.redis as CapRedis;
    if (typeof this.redis.orgCap !== "function") this.redis.defineCommand("orgCap", { lua: SCRIPT });
    this.batch = selfClockingBatch<CapOp, number>(async (ops) => {
      const args: (string | number)[] = [Date.now()];
      for (const o of ops) args.push(o.op, o.slot, o.expiry, o.cap);
      const keys = ops.flatMap((o) => [this.key(o.id), this.waitKey(o.id)]);
      const out = await this.redis.orgCap(keys.length, ...keys, ...args);
      return out.map((v, i) => {
        if (typeof v !== "string") return v;
        this.onWake(v, this.waitReason, ops[i]!.id);
        return 1;
      });
    });
  }

  private key(orgId: string) {
    return `${this.prefix}:${this.namespace}:${orgId}`;
  }

  /** The wake list of jobs waiting for one of this key's slots (Waiting's list key). */
  private waitKey(id: string) {
    return `${this.prefix}:wait:${this.waitReason}:${id}`;
  }

  /**
   * A slot for a job of `queue` that may run `timeoutMs`: a free one this relay holds, else a new lease;
   * at a soft cap, an unleased one when no other organization under its cap is waiting. null when the job
   * must wait: at a hard cap, or at a soft cap while others are waiting.
   */
  async acquire(orgId: string, timeoutMs: number, queue: string): Promise<Slot | null> {
    const limits = await this.limits(orgId);
    if (limits.maxActive <= 0) return UNLEASED;
    const now = Date.now();
    // Past its cap here (jobs on lent slots): no slot at all, not even one it holds, while another
    // organization under its cap waits.
    if (this.lentOut.has(orgId) && !(await this.noOneElseWaiting(queue, orgId, now))) return null;
    const held = this.free.get(orgId)?.pop();
    if (held && held.expiry >= now + timeoutMs + HANDOUT_MARGIN_MS) return held;
    const slot = held ?? { id: `${this.owner}:${++this.seq}`, expiry: 0, freedAt: 0 };
    const expiry = now + timeoutMs + LEASE_MARGIN_MS;
    const took = await this.batch.load({ op: "a", id: orgId, slot: slot.id, expiry, cap: limits.maxActive });
    if (took) {
      slot.expiry = expiry;
      slot.contended = took === 2;
      return slot;
    }
    // At the cap (a held slot whose lease could not be renewed was taken back by expiry: forgotten).
    if (limits.hard || !(await this.noOneElseWaiting(queue, orgId, now))) return null;
    this.lentOut.set(orgId, (this.lentOut.get(orgId) ?? 0) + 1);
    return { id: "", lent: true, expiry: Number.POSITIVE_INFINITY, freedAt: 0 };
  }

  /** Whether the head of `queue` holds no job of another organization still under its cap (cached). */
  private noOneElseWaiting(queue: string, orgId: string, now: number): Promise<boolean> {
    const key = `${queue}\n${orgId}`;
    const hit = this.alone.get(key);
    if (hit && now < hit.until) return hit.answer;
    const answer = this.othersUnderCap(queue, orgId).then(
      (others) => !others,
      () => false, // Redis did not answer: keep the cap
    );
    this.alone.set(key, { until: now + ALONE_TTL_MS, answer });
    if (this.alone.size > 10_000) this.alone.delete(this.alone.keys().next().value!);
    return answer;
  }

  private async othersUnderCap(queue: string, orgId: string): Promise<boolean> {
    const others = await otherOrgsAtHead(this.redis, {
      prefix: this.prefix,
      queue,
      orgId,
      head: HEAD,
      leasePrefix: `${this.prefix}:${this.namespace}:`,
    });
    for (const other of others) {
      const { maxActive } = await this.limits(other.orgId);
      if (maxActive <= 0 || other.leases < maxActive) return true;
    }
    return false;
  }

  /** The job is done with its slot: kept for the next job of the organization, returned when unused. */
  release(orgId: string, slot: Slot): void {
    if (slot.lent) {
      const left = (this.lentOut.get(orgId) ?? 1) - 1;
      if (left > 0) this.lentOut.set(orgId, left);
      else this.lentOut.delete(orgId);
      return;
    }
    if (!slot.id) return;
    if (slot.contended) {
      // Others wait for this organization's slots: hand it to the longest-waiting one, not the next local job.
      void this.releaseNow(orgId, slot).catch(() => false);
      return;
    }
    slot.freedAt = Date.now();
    const list = this.free.get(orgId);
    if (list) list.push(slot);
    else this.free.set(orgId, [slot]);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => void this.sweep(false), IDLE_RELEASE_MS / 2);
      this.sweeper.unref();
    }
  }

  /** Gives the slot back to Redis now (a job waits for it elsewhere), rather than keeping it for this relay. */
  async releaseNow(orgId: string, slot: Slot): Promise<boolean> {
    if (!slot.id) return true;
    return (await this.batch.load({ op: "r", id: orgId, slot: slot.id, expiry: 0, cap: 0 })) !== 0;
  }

  /** Gives back slots unused for IDLE_RELEASE_MS (all of them when `all`). */
  sweep(all: boolean): Promise<unknown> {
    const cutoff = Date.now() - IDLE_RELEASE_MS;
    const pending: Promise<number>[] = [];
    for (const [orgId, list] of this.free) {
      const keep: Slot[] = [];
      for (const s of list) {
        if (!all && s.freedAt > cutoff) keep.push(s);
        else pending.push(this.batch.load({ op: "r", id: orgId, slot: s.id, expiry: 0, cap: 0 }));
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
