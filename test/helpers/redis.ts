// A unique Redis key prefix per caller; `cleanup` deletes only keys under that prefix.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { inject } from "vitest";

export interface TestRedis {
  url: string;
  prefix: string;
  client: Redis;
  cleanup(): Promise<void>;
}

export async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await client.unlink(...keys);
  } while (cursor !== "0");
}

export async function createTestRedis(url = inject("redisUrl")): Promise<TestRedis> {
  const prefix = `fwt-${randomBytes(4).toString("hex")}`;
  const client = new Redis(url, { maxRetriesPerRequest: null });
  return {
    url,
    prefix,
    client,
    async cleanup() {
      await deleteByPrefix(client, prefix).catch(() => {});
      client.disconnect();
    },
  };
}
