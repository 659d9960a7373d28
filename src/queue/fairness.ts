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
import { selfClockingBatch } from "../runtime/batch.js";

/** BullMQ's priority is limited to 2^21; four levels get equal bands. */
const BAND = 524_287;
const LEVEL_INDEX: Record<Priority, number> = { critical: 0, high: 1, normal: 2, low: 3 };

// KEYS: three per job (BullMQ's prioritized set, the band's state, the org's recent users). ARGV: now,
// window, then four per job: base, band, org, user. Jobs are tagged in order; one call per batch.
const SCRIPT = `
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local scale = 4294967296
local out = {}
for i = 1, #KEYS / 3 do
  local prioritized, state, orgUsers = KEYS[i * 3 - 2], KEYS[i * 3 - 1], KEYS[i * 3]
  local base, band = tonumber(ARGV[i * 4 - 1]), tonumber(ARGV[i * 4])
  local org, user = ARGV[i * 4 + 1], ARGV[i * 4 + 2]
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
return out
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

type FairRedis = Redis & { fairPriority(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

export interface FairnessInput {
  queue: string;
  level: Priority;
  orgId: string;
  userId: string;
}

/** Priorities for `inputs`, in order, in one script call. @param windowMs how long a user counts as busy. */
export async function fairPriorities(
  redis: Redis,
  prefix: string,
  inputs: readonly FairnessInput[],
  nowMs = Date.now(),
  windowMs = 300_000,
): Promise<number[]> {
  if (!inputs.length) return [];
  const r = redis as FairRedis;
  if (typeof r.fairPriority !== "function") redis.defineCommand("fairPriority", { lua: SCRIPT });
  const keys: string[] = [];
  const args: (string | number)[] = [nowMs, windowMs];
  for (const input of inputs) {
    const k = fairnessKeys(prefix, input.queue, input.level, input.orgId);
    keys.push(k.prioritized, k.state, k.orgUsers);
    args.push(1 + LEVEL_INDEX[input.level] * BAND, BAND, input.orgId, input.userId);
  }
  return (await r.fairPriority(keys.length, ...keys, ...args)).map(Number);
}

/** One job's priority; concurrent calls on one instance share a script call (self-clocking batches). */
export class FairPriorities {
  private readonly batch;

  constructor(redis: Redis, prefix: string) {
    this.batch = selfClockingBatch<FairnessInput, number>((inputs) => fairPriorities(redis, prefix, inputs));
  }

  priority(input: FairnessInput): Promise<number> {
    return this.batch.load(input);
  }
}
