// The handler kit's Kv over ioredis, every key under the instance's REDIS_PREFIX. setIfAbsent (the
// signature replay check of every handler request) is batched: concurrent requests share one script call.
import type { Redis } from "ioredis";
import type { Kv } from "../../handlers/kit/context.js";
import { selfClockingBatch } from "./batch.js";

// KEYS: the keys; ARGV: value and ttl per key. Returns 1 where the key was set, 0 where it existed.
const SET_IF_ABSENT = `
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('SET', key, ARGV[i * 2 - 1], 'PX', ARGV[i * 2], 'NX') and 1 or 0
end
return out
`;

type KvRedis = Redis & { kvSetIfAbsent(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

export function ioredisKv(client: Redis, prefix: string): Kv {
  const k = (key: string) => `${prefix}:kv:${key}`;
  const redis = client as KvRedis;
  if (typeof redis.kvSetIfAbsent !== "function")
    client.defineCommand("kvSetIfAbsent", { lua: SET_IF_ABSENT });
  const setIfAbsent = selfClockingBatch<{ key: string; value: string; ttlMs: number }, boolean>(
    async (items) => {
      const args: (string | number)[] = [];
      for (const i of items) args.push(i.value, Math.max(1, Math.ceil(i.ttlMs)));
      const out = await redis.kvSetIfAbsent(items.length, ...items.map((i) => k(i.key)), ...args);
      return out.map((v) => v === 1);
    },
  );
  return {
    get: (key) => client.get(k(key)),
    async set(key, value, ttlMs) {
      if (ttlMs) await client.set(k(key), value, "PX", Math.max(1, Math.ceil(ttlMs)));
      else await client.set(k(key), value);
    },
    setIfAbsent: (key, value, ttlMs) => setIfAbsent.load({ key, value, ttlMs }),
    async del(key) {
      await client.del(k(key));
    },
  };
}
