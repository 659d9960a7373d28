// Fair ordering folded into BullMQ's numeric priority (lower runs first). Each priority level owns a
// band of priorities; inside a band a job's "virtual time" tag interleaves organizations and users:
//   tag = max(vt, userLast + n)
// where vt is the lowest tag still waiting in the band (read from BullMQ's own prioritized set) and n is
// how many users of the job's organization enqueued at this level within the fairness window. So every
// user advances its own clock, and an organization with n busy users advances each of them n times slower:
// round-robin across organizations, then across users inside one. The script runs atomically in Redis,
// so any number of API instances and relays share one ordering. The same call counts a request against
// its organization's enqueue rate limit (a fixed one-minute window), so admitting a job is one command.
import type { Redis } from "ioredis";
import type { Priority } from "../config.js";
import { selfClockingBatch } from "../runtime/batch.js";

/** BullMQ's priority is limited to 2^21; four levels get equal bands. */
const BAND = 524_287;
const LEVEL_INDEX: Record<Priority, number> = { critical: 0, high: 1, normal: 2, low: 3 };

// KEYS: four per job (BullMQ's prioritized set, the band's state, the org's recent users, the org's
// rate-limit window). ARGV: now, window, rate window ttl, then five per job: base, band, org, user, limit
// (jobs per window; 0 = not counted). Jobs are tagged in order; a job over its limit gets -count and no tag.
const SCRIPT = `
local now, window, rateTtl = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local scale = 4294967296
local out = {}
for i = 1, #KEYS / 4 do
  local prioritized, state, orgUsers, rate = KEYS[i * 4 - 3], KEYS[i * 4 - 2], KEYS[i * 4 - 1], KEYS[i * 4]
  local a = 3 + (i - 1) * 5
  local base, band = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local org, user, limit = ARGV[a + 3], ARGV[a + 4], tonumber(ARGV[a + 5])
  local count = 0
  if limit > 0 then
    count = redis.call('INCR', rate)
    if count == 1 then redis.call('PEXPIRE', rate, rateTtl) end
  end
  if limit > 0 and count > limit then
    out[i] = -count
  else
    local first = redis.call('ZRANGEBYSCORE', prioritized, base * scale, (base + band) * scale - 1, 'WITHSCORES', 'LIMIT', 0, 1)
    local vt
    if first[2] then
      vt = math.floor(tonumber(first[2]) / scale) - base
    else
      vt = tonumber(redis.call('HGET', state, 'last') or '0')
      if vt > band / 2 then
        -- nothing waits in this band: start the band over so tags never run out
        redis.call('DEL', state)
        vt = 0
      end
    end
    redis.call('ZADD', orgUsers, now, user)
    redis.call('ZREMRANGEBYSCORE', orgUsers, '-inf', now - window)
    redis.call('PEXPIRE', orgUsers, window)
    local n = redis.call('ZCARD', orgUsers)
    local ukey = 'u:' .. org .. ':' .. user
    local ulast = tonumber(redis.call('HGET', state, ukey) or '-1000000000')
    local tag = math.max(vt, ulast + n)
    if tag > band - 1 then tag = band - 1 end
    redis.call('HSET', state, ukey, tag)
    local last = tonumber(redis.call('HGET', state, 'last') or '0')
    if tag > last then redis.call('HSET', state, 'last', tag) end
    redis.call('PEXPIRE', state, 86400000)
    out[i] = base + tag
  end
end
return out
`;

export interface FairnessKeys {
  /** BullMQ's prioritized zset of the queue: `${prefix}:${queue}:prioritized`. */
  prioritized: string;
  state: string;
  orgUsers: string;
}

const RATE_WINDOW_MS = 60_000;

/** The org's current enqueue rate-limit window (fixed, one minute). */
export function rateWindow(prefix: string, orgId: string, nowMs: number) {
  const window = Math.floor(nowMs / RATE_WINDOW_MS);
  return { key: `${prefix}:rl:enqueue:${orgId}:${window}`, endsAt: (window + 1) * RATE_WINDOW_MS };
}

export function fairnessKeys(prefix: string, queue: string, level: Priority, orgId: string): FairnessKeys {
  return {
    prioritized: `${prefix}:${queue}:prioritized`,
    state: `${prefix}:fair:${queue}:${level}`,
    orgUsers: `${prefix}:fair:${queue}:${level}:org:${orgId}`,
  };
}

type FairRedis = Redis & { fairPriority(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

export interface FairnessInput {
  queue: string;
  level: Priority;
  orgId: string;
  userId: string;
  /** Count this job against its organization's enqueue limit (jobs per minute; 0 or absent: not counted). */
  ratePerMinute?: number;
}

/** A job refused by its organization's enqueue rate limit. */
export class RateLimitExceeded extends Error {
  constructor(
    readonly perMinute: number,
    /** Seconds until the window resets. */
    readonly retryAfterS: number,
  ) {
    super(`organization exceeded ${perMinute} jobs per minute; retry in ${retryAfterS} s`);
  }
}

/**
 * Priorities for `inputs`, in order, in one script call; a RateLimitExceeded in place of a job over its
 * limit. @param windowMs how long a user counts as busy.
 */
export async function fairPriorities(
  redis: Redis,
  prefix: string,
  inputs: readonly FairnessInput[],
  nowMs = Date.now(),
  windowMs = 300_000,
): Promise<(number | RateLimitExceeded)[]> {
  if (!inputs.length) return [];
  const r = redis as FairRedis;
  if (typeof r.fairPriority !== "function") redis.defineCommand("fairPriority", { lua: SCRIPT });
  const keys: string[] = [];
  const args: (string | number)[] = [nowMs, windowMs, RATE_WINDOW_MS + 1000];
  const rate = new Map<string, ReturnType<typeof rateWindow>>();
  for (const input of inputs) {
    const k = fairnessKeys(prefix, input.queue, input.level, input.orgId);
    const w = rate.get(input.orgId) ?? rateWindow(prefix, input.orgId, nowMs);
    rate.set(input.orgId, w);
    keys.push(k.prioritized, k.state, k.orgUsers, w.key);
    args.push(1 + LEVEL_INDEX[input.level] * BAND, BAND, input.orgId, input.userId, input.ratePerMinute ?? 0);
  }
  const out = await r.fairPriority(keys.length, ...keys, ...args);
  return out.map((v, i) => {
    const n = Number(v);
    if (n > 0) return n;
    const input = inputs[i]!;
    const retryAfterS = Math.max(1, Math.ceil((rate.get(input.orgId)!.endsAt - nowMs) / 1000));
    return new RateLimitExceeded(input.ratePerMinute ?? 0, retryAfterS);
  });
}

/**
 * One job's admission: its priority, after counting it against its org's rate limit (rejects with
 * RateLimitExceeded). Concurrent calls on one instance share a script call (self-clocking batches).
 */
export class FairPriorities {
  private readonly batch;

  constructor(redis: Redis, prefix: string) {
    this.batch = selfClockingBatch<FairnessInput, number>((inputs) => fairPriorities(redis, prefix, inputs));
  }

  priority(input: FairnessInput): Promise<number> {
    return this.batch.load(input);
  }
}
