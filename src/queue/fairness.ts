// Fair ordering folded into BullMQ's numeric priority (lower runs first). Each priority level owns a
// band of priorities; inside a band a job's "virtual time" tag interleaves organizations and users:
//   tag = max(vt, userLast + n)
// where vt is the lowest tag still waiting in the band (read from BullMQ's own prioritized set) and n is
// how many users of the job's organization enqueued at this level within the fairness window. So every
// user advances its own clock, and an organization with n busy users advances each of them n times slower:
// round-robin across organizations, then across users inside one. The script runs atomically in Redis,
// so any number of API instances and relays share one ordering.
import type { Redis } from "ioredis";
import type { Priority } from "../config.js";

/** BullMQ's priority is limited to 2^21; four levels get equal bands. */
const BAND = 524_287;
const LEVEL_INDEX: Record<Priority, number> = { critical: 0, high: 1, normal: 2, low: 3 };

const SCRIPT = `
local prioritized, state, orgUsers = KEYS[1], KEYS[2], KEYS[3]
local base, band = tonumber(ARGV[1]), tonumber(ARGV[2])
local org, user = ARGV[3], ARGV[4]
local now, window = tonumber(ARGV[5]), tonumber(ARGV[6])
local scale = 4294967296
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
return base + tag
`;

export interface FairnessKeys {
  /** BullMQ's prioritized zset of the queue: `${prefix}:${queue}:prioritized`. */
  prioritized: string;
  state: string;
  orgUsers: string;
}

export function fairnessKeys(prefix: string, queue: string, level: Priority, orgId: string): FairnessKeys {
  return {
    prioritized: `${prefix}:${queue}:prioritized`,
    state: `${prefix}:fair:${queue}:${level}`,
    orgUsers: `${prefix}:fair:${queue}:${level}:org:${orgId}`,
  };
}

type FairRedis = Redis & {
  fairPriority(k1: string, k2: string, k3: string, ...argv: (string | number)[]): Promise<number>;
};

function withScript(redis: Redis): FairRedis {
  const r = redis as FairRedis;
  if (typeof r.fairPriority !== "function")
    redis.defineCommand("fairPriority", { numberOfKeys: 3, lua: SCRIPT });
  return r;
}

export interface FairnessInput {
  queue: string;
  level: Priority;
  orgId: string;
  userId: string;
}

/** The BullMQ priority for one job. @param windowMs how long a user counts as busy. @default 300_000 */
export async function fairPriority(
  redis: Redis,
  prefix: string,
  input: FairnessInput,
  nowMs = Date.now(),
  windowMs = 300_000,
): Promise<number> {
  const k = fairnessKeys(prefix, input.queue, input.level, input.orgId);
  const base = 1 + LEVEL_INDEX[input.level] * BAND;
  return withScript(redis).fairPriority(
    k.prioritized,
    k.state,
    k.orgUsers,
    base,
    BAND,
    input.orgId,
    input.userId,
    nowMs,
    windowMs,
  );
}

/** Priorities for many jobs in one round trip (scheduler fan-out). */
export async function fairPriorities(
  redis: Redis,
  prefix: string,
  inputs: FairnessInput[],
  nowMs = Date.now(),
  windowMs = 300_000,
): Promise<number[]> {
  const r = withScript(redis);
  const pipe = r.pipeline() as unknown as FairRedis & { exec(): Promise<[Error | null, unknown][] | null> };
  for (const input of inputs) {
    const k = fairnessKeys(prefix, input.queue, input.level, input.orgId);
    pipe.fairPriority(
      k.prioritized,
      k.state,
      k.orgUsers,
      1 + LEVEL_INDEX[input.level] * BAND,
      BAND,
      input.orgId,
      input.userId,
      nowMs,
      windowMs,
    );
  }
  const results = (await pipe.exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw err;
    return Number(value);
  });
}
