// The soft cap's look at the head of a queue (org-cap.ts): which other organizations have jobs among the
// first `head` waiting ones, and how many live slot leases each holds, in one script call (one command,
// where a pipeline of reads cost two plus one per job looked at).
import type { Redis } from "ioredis";

// KEYS: the queue's prioritized set and wait list. ARGV: the job key prefix ("<prefix>:<queue>:"), the
// asking organization, how many jobs to look at, the lease key prefix ("<prefix>:orgcap:"), now (ms).
// Answers [orgId, liveLeases, orgId, liveLeases, ...] for each other organization seen, once.
const SCRIPT = `
local head = tonumber(ARGV[3])
local seen, out = {}, {}
local function look(ids)
  for _, id in ipairs(ids) do
    local data = redis.call('HGET', ARGV[1] .. id, 'data')
    if data then
      local ok, job = pcall(cjson.decode, data)
      local org = ok and type(job) == 'table' and job.orgId
      if type(org) == 'string' and org ~= ARGV[2] and not seen[org] then
        seen[org] = true
        out[#out + 1] = org
        out[#out + 1] = redis.call('ZCOUNT', ARGV[4] .. org, ARGV[5], '+inf')
      end
    end
  end
end
look(redis.call('ZRANGE', KEYS[1], 0, head - 1))
look(redis.call('LRANGE', KEYS[2], 0, head - 1))
return out
`;

type HeadRedis = Redis & {
  capHead(numKeys: number, ...args: (string | number)[]): Promise<(string | number)[]>;
};

/** Other organizations among the first `head` waiting jobs of `queue`, each with its live lease count. */
export async function otherOrgsAtHead(
  redis: Redis,
  o: { prefix: string; queue: string; orgId: string; head: number; leasePrefix: string },
): Promise<{ orgId: string; leases: number }[]> {
  const r = redis as HeadRedis;
  if (typeof r.capHead !== "function") r.defineCommand("capHead", { lua: SCRIPT });
  const base = `${o.prefix}:${o.queue}`;
  const flat = await r.capHead(
    2,
    `${base}:prioritized`,
    `${base}:wait`,
    `${base}:`,
    o.orgId,
    o.head,
    o.leasePrefix,
    Date.now(),
  );
  const out: { orgId: string; leases: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    out.push({ orgId: String(flat[i]), leases: Number(flat[i + 1]) });
  return out;
}
