// The handler kit's Kv over ioredis, every key under the instance's REDIS_PREFIX.
import type { Redis } from "ioredis";
import type { Kv } from "../../handlers/kit/context.js";

export function ioredisKv(client: Redis, prefix: string): Kv {
  const k = (key: string) => `${prefix}:kv:${key}`;
  return {
    get: (key) => client.get(k(key)),
    async set(key, value, ttlMs) {
      if (ttlMs) await client.set(k(key), value, "PX", Math.max(1, Math.ceil(ttlMs)));
      else await client.set(k(key), value);
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await client.set(k(key), value, "PX", Math.max(1, Math.ceil(ttlMs)), "NX")) === "OK";
    },
    async del(key) {
      await client.del(k(key));
    },
  };
}
