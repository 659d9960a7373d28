// Adaptive stalled checks: an idle relay checks rarely (fewer billed Redis commands); work makes it check
// often again at once.
import { Queue, Worker } from "bullmq";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createLogger } from "../../src/logger.js";
import { AdaptiveStalledCheck } from "../../src/relay/stalled-check.js";
import { eventually } from "../helpers/eventually.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(() => redis.cleanup());

test("idle → slow checks; a job → fast checks again", async () => {
  const queue = new Queue("adaptive", { connection: redis.client, prefix: redis.prefix });
  const worker = new Worker("adaptive", async () => "ok", {
    connection: redis.client.duplicate({ maxRetriesPerRequest: null }),
    prefix: redis.prefix,
    stalledInterval: 100,
    drainDelay: 1,
  });
  const check = new AdaptiveStalledCheck([worker], {
    fastMs: 100,
    slowMs: 60_000,
    idleAfterMs: 300,
    log: createLogger({ level: "silent" }),
  });
  worker.on("active", () => check.activity());
  check.start();
  try {
    expect(check.mode).toBe("fast");
    await eventually(() => check.mode === "slow", { timeoutMs: 5_000 });
    expect(worker.opts.stalledInterval).toBe(60_000);
    await queue.add("x", {});
    await eventually(() => check.mode === "fast", { timeoutMs: 5_000 });
    expect(worker.opts.stalledInterval).toBe(100);
  } finally {
    await check.stop();
    await worker.close();
    await queue.close();
  }
});
