// The Lua side of provider-aware flow control: one script call admits a job against its dependency's
// circuit breaker and its quota keys, one records an answer (quota reports, the breaker's outcome) and pops
// the jobs that the new state lets run, one pops them when a quota's reset time comes. Atomic, so every relay
// sees one state. Quota hash fields: avail (units left at `at`), at, reset (unix ms: full again), limit,
// refill ("window" | "linear"), rate (units/ms, linear), cost (units per job, a moving average), pending
// (jobs woken but not yet admitted) and pendingAt. Breaker hash: state (closed | open | half_open), cooldown,
// nextProbe, probe (job id), probeUntil, openedAt, lastFailureAt; its recent failures in a sorted set.

/** Shared Lua: a quota's units available now (nil: nothing known), its cost per job, and when one more job fits. */
const QUOTA_FNS = `
local function quota_now(key, now, probeMs)
  local h = redis.call('HMGET', key, 'avail', 'at', 'reset', 'limit', 'refill', 'rate', 'cost', 'pending', 'pendingAt')
  local avail = tonumber(h[1])
  if avail == nil then return nil end
  local at, reset, limit = tonumber(h[2]) or now, tonumber(h[3]) or 0, tonumber(h[4])
  local rate, cost = tonumber(h[6]) or 0, tonumber(h[7]) or 1
  local pending = tonumber(h[8]) or 0
  if now - (tonumber(h[9]) or 0) > 10000 then pending = 0 end
  local q = { avail = avail, cost = cost, pending = pending, reset = reset, limit = limit, linear = h[5] == 'linear', rate = rate, stale = false }
  if now >= reset then
    if limit then q.avail = limit else q.avail = cost end
    q.stale = true
  elseif q.linear and rate > 0 then
    q.avail = avail + rate * (now - at)
    if limit and q.avail > limit then q.avail = limit end
  end
  return q
end
-- When \`need\` units are there (for a wait's until and the next wake).
local function quota_until(q, need, now, probeMs)
  if q.stale then return now + probeMs end
  if q.linear and q.rate > 0 then
    local t = now + math.ceil((need - q.avail) / q.rate)
    if t < q.reset then return t end
  end
  return q.reset
end
-- Takes \`n\` jobs' units from a quota whose state \`q\` was read at \`now\`.
local function quota_take(key, q, n, now, probeMs)
  local left = q.avail - q.cost * n
  if q.stale then
    -- Its window passed with no report since: the next report tells the new one; until then assume one.
    local window = 60000
    if not q.limit then window = probeMs end
    redis.call('HSET', key, 'reset', now + window)
  elseif q.linear and q.rate > 0 and q.limit then
    -- A steady refill is full again once what this took is back.
    local full = now + math.ceil((q.limit - left) / q.rate)
    if full > q.reset then redis.call('HSET', key, 'reset', full) end
  end
  redis.call('HSET', key, 'avail', left, 'at', now)
end
`;

// KEYS: [breaker hash]?, quota hashes… ARGV: now, jobId, probeMs, hasBreaker (1/0).
// Answers {1, probe (1 when this job is the breaker's probe)} or {0, what (1 breaker, 2 quota), key index, until}.
export const ADMIT = `${QUOTA_FNS}
local now, job, probeMs = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local first, probe = 1, 0
if ARGV[4] == '1' then
  first = 2
  local b = redis.call('HMGET', KEYS[1], 'state', 'nextProbe', 'probe', 'probeUntil')
  if b[1] == 'open' then
    local nextProbe = tonumber(b[2]) or 0
    if now < nextProbe then return {0, 1, 1, nextProbe} end
    probe = 1
  elseif b[1] == 'half_open' then
    local untilAt = tonumber(b[4]) or 0
    if b[3] ~= job and now < untilAt then return {0, 1, 1, untilAt} end
    probe = 1
  end
end
local states = {}
for i = first, #KEYS do
  local q = quota_now(KEYS[i], now, probeMs)
  if q and q.avail < q.cost then return {0, 2, i, quota_until(q, q.cost, now, probeMs)} end
  states[i] = q
end
for i = first, #KEYS do
  local q = states[i]
  if q then
    quota_take(KEYS[i], q, 1, now, probeMs)
    if q.pending > 0 then redis.call('HSET', KEYS[i], 'pending', q.pending - 1) end
  end
end
if probe == 1 then redis.call('HSET', KEYS[1], 'state', 'half_open', 'probe', job, 'probeUntil', now + probeMs) end
return {1, probe}
`;

// Pops up to what a quota now allows from its wake list, counting them as pending; answers
// {count, next wake (0: none), members…}.
const WAKE_FN = `
local function quota_wake(key, list, now, probeMs)
  if redis.call('ZCARD', list) == 0 then return {0, 0} end
  local q = quota_now(key, now, probeMs)
  local n = 100
  if q then
    n = math.floor(q.avail / q.cost) - q.pending
    if n > 100 then n = 100 end
  end
  local out = {0, 0}
  if n > 0 then
    local popped = redis.call('ZPOPMIN', list, n)
    for j = 1, #popped, 2 do out[#out + 1] = popped[j] end
    out[1] = #out - 2
    if q then redis.call('HSET', key, 'pending', q.pending + out[1], 'pendingAt', now) end
  end
  if q and redis.call('ZCARD', list) > 0 then
    out[2] = quota_until(q, (q.pending + out[1] + 1) * q.cost, now, probeMs)
  end
  return out
end
`;

// KEYS: quota hash, its wake list. ARGV: now, probeMs. Answers as quota_wake.
export const WAKE = `${QUOTA_FNS}${WAKE_FN}
return quota_wake(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]))
`;

// KEYS: [breaker hash, its failures, the set of known breakers]?, then per report: quota hash, its wake list.
// ARGV: now, jobId, outcome (s success, f transient failure, - neither), hasBreaker, failures to open,
// windowMs, base cooldown, max cooldown, probeMs, the dependency's name, then per report: remaining, reset, limit ('' unknown),
// refill, cost, at (when the provider stated it, '' unknown). Answers {breaker event (0 none, 1 opened, 2 closed, 3 re-opened, 4 a failure while open),
// next probe, failures,
// then per report: count, next wake, members…, ending each with '|'}.
export const RECORD = `${QUOTA_FNS}${WAKE_FN}
local now, job, outcome = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local probeMs = tonumber(ARGV[9])
local out = {0, 0, 0}
local first = 1
if ARGV[4] == '1' then
  first = 4
  local b, fails = KEYS[1], KEYS[2]
  local h = redis.call('HMGET', b, 'state', 'probe', 'cooldown')
  local state = h[1] or 'closed'
  local base, maxc = tonumber(ARGV[7]), tonumber(ARGV[8])
  if outcome == 's' and state == 'half_open' and h[2] == job then
    redis.call('HSET', b, 'state', 'closed', 'cooldown', 0, 'closedAt', now)
    redis.call('HDEL', b, 'probe', 'probeUntil', 'nextProbe')
    redis.call('DEL', fails)
    redis.call('PEXPIRE', b, 86400000)
    out[1] = 2
  elseif outcome == 'f' then
    redis.call('HSET', b, 'lastFailureAt', now)
    redis.call('SADD', KEYS[3], ARGV[10])
    if state == 'half_open' and h[2] == job then
      local cooldown = math.min(math.max((tonumber(h[3]) or 0) * 2, base), maxc)
      redis.call('HSET', b, 'state', 'open', 'cooldown', cooldown, 'nextProbe', now + cooldown)
      redis.call('HDEL', b, 'probe', 'probeUntil')
      out[1], out[2] = 3, now + cooldown
    elseif state ~= 'closed' then
      out[1], out[2] = 4, tonumber(redis.call('HGET', b, 'nextProbe')) or now
    else
      redis.call('ZADD', fails, now, job .. ':' .. now)
      redis.call('ZREMRANGEBYSCORE', fails, '-inf', now - tonumber(ARGV[6]))
      redis.call('PEXPIRE', fails, tonumber(ARGV[6]))
      local n = redis.call('ZCARD', fails)
      out[3] = n
      redis.call('PEXPIRE', b, 86400000)
      if n >= tonumber(ARGV[5]) then
        redis.call('HSET', b, 'state', 'open', 'cooldown', base, 'nextProbe', now + base, 'openedAt', now)
        redis.call('PERSIST', b)
        out[1], out[2] = 1, now + base
      end
    end
  end
end
local a = 11
for i = first, #KEYS, 2 do
  local key, list = KEYS[i], KEYS[i + 1]
  local remaining, reset, limit, refill, cost = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), ARGV[a + 3], tonumber(ARGV[a + 4])
  local stated = tonumber(ARGV[a + 5]) or now
  if stated > now then stated = now end
  a = a + 6
  local q = quota_now(key, now, probeMs)
  -- A steady refill's rate from when the provider stated it (the answer may reach the relay long after).
  local rate = 0
  if refill == 'linear' and limit and reset > stated then rate = (limit - remaining) / (reset - stated) end
  local avail = remaining
  if rate > 0 then avail = math.min(limit, remaining + rate * (now - stated)) end
  -- Calls admitted since this one reached the provider are not in its count: keep the lower figure, unless
  -- the report is of a new window (a later reset).
  if q and not q.stale and q.avail < avail and (refill == 'linear' or reset <= q.reset + 1000) then avail = q.avail end
  if rate > 0 then reset = now + math.ceil((limit - avail) / rate) end
  local avgCost = cost
  if q then avgCost = q.cost * 0.7 + cost * 0.3 end
  if avgCost < 1 then avgCost = 1 end
  redis.call('HSET', key, 'avail', avail, 'at', now, 'reset', reset, 'refill', refill, 'rate', rate, 'cost', avgCost)
  if limit then redis.call('HSET', key, 'limit', limit) else redis.call('HDEL', key, 'limit') end
  local ttl = reset - now
  if ttl < 0 then ttl = 0 end
  redis.call('PEXPIRE', key, ttl + 3600000)
  local woke = quota_wake(key, list, now, probeMs)
  for j = 1, #woke do out[#out + 1] = woke[j] end
  out[#out + 1] = '|'
end
return out
`;
