// The handler kit's Kv over @upstash/redis (REST), for Workers: the same `${prefix}:kv:` keys as the Node
// adapter, so replayed-signature ids and rate-limit pauses are shared by both runtimes.
import type { Redis } from "@upstash/redis/cloudflare";
import type { Kv } from "../kit/context.js";

export function upstashKv(client: Redis, prefix: string): Kv {
  const k = (key: string) => `${prefix}:kv:${key}`;
  const px = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs));
  return {
    async get(key) {
      const v = await client.get<string>(k(key));
      return v === null || v === undefined ? null : String(v);
    },
    async set(key, value, ttlMs) {
      if (ttlMs) await client.set(k(key), value, { px: px(ttlMs) });
      else await client.set(k(key), value);
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await client.set(k(key), value, { px: px(ttlMs), nx: true })) === "OK";
    },
    async del(key) {
      await client.del(k(key));
    },
  };
}
