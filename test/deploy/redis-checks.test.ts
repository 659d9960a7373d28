// Production Redis checks at start: a warning when Redis may evict keys (BullMQ needs noeviction), checked
// on a private redis-server whose policy the test sets, and REDIS_URL warnings (Upstash needs rediss://).
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkEvictionPolicy } from "../../src/runtime/redis.js";
import { checkRedisUrl, redisUrlWarning } from "../../src/runtime/redis-url-check.js";
import { startPrivateRedis } from "../helpers/services.js";

let server: Awaited<ReturnType<typeof startPrivateRedis>>;
let client: Redis;
beforeAll(async () => {
  server = await startPrivateRedis();
  client = new Redis(server.url);
});
afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

function capture() {
  const lines: Array<{ obj: object; msg?: string }> = [];
  const log = { warn: (obj: object, msg?: string) => lines.push({ obj, msg }) };
  return { lines, log: log as unknown as Parameters<typeof checkEvictionPolicy>[1] };
}

describe("maxmemory-policy", () => {
  test("allkeys-lru is reported with a warning naming noeviction", async () => {
    await client.config("SET", "maxmemory-policy", "allkeys-lru");
    const { lines, log } = capture();
    expect(await checkEvictionPolicy(client, log)).toBe("allkeys-lru");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toMatch(/allkeys-lru.*noeviction/);
  });

  test("noeviction passes silently", async () => {
    await client.config("SET", "maxmemory-policy", "noeviction");
    const { lines, log } = capture();
    expect(await checkEvictionPolicy(client, log)).toBe("noeviction");
    expect(lines).toEqual([]);
  });

  test("a Redis that refuses CONFIG (Upstash, managed services) does not stop the start", async () => {
    await client.call("ACL", "SETUSER", "noconfig", "on", "nopass", "~*", "&*", "+@all", "-config");
    const limited = new Redis(server.url, { username: "noconfig", password: "x" });
    try {
      const { lines, log } = capture();
      expect(await checkEvictionPolicy(limited, log)).toBeNull();
      expect(lines).toEqual([]);
    } finally {
      limited.disconnect();
    }
  });
});

describe("REDIS_URL", () => {
  test("Upstash over plain redis:// is flagged; rediss:// is fine", () => {
    const { lines, log } = capture();
    checkRedisUrl("redis://default:secret@eu1-fine-cat-12345.upstash.io:6379", log);
    expect(lines[0]?.msg).toMatch(/rediss:\/\//);
    expect(JSON.stringify(lines)).not.toContain("secret");
    expect(redisUrlWarning("rediss://default:secret@eu1-fine-cat-12345.upstash.io:6379")).toBeNull();
  });

  test("plain redis:// to a public host is flagged; local and private hosts are not", () => {
    expect(redisUrlWarning("redis://redis.example.com:6379")).toMatch(/plain redis:\/\//);
    for (const url of [
      "redis://127.0.0.1:6379",
      "redis://localhost",
      "redis://10.1.2.3:6379",
      "redis://redis:6379",
    ])
      expect(redisUrlWarning(url)).toBeNull();
  });
});
