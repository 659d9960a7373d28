// A full relay does not hoard: with two busy types and RELAY_CONCURRENCY=10, its BullMQ workers hold at
// most one job per type beyond the ten it runs (not ten per type), so a second relay started later finds
// the rest in the queue and runs them at once.
import { Queue } from "bullmq";
import { sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { rowsOf } from "../../db/queries/rows.js";
import { eventually } from "../helpers/eventually.js";
import { startTestService, type TestService } from "../helpers/service.js";

let t: TestService;
let second: TestService | null = null;
let redis: Redis;
const env = { RELAY_CONCURRENCY: "10", ORG_MAX_ACTIVE: "0" };
beforeAll(async () => {
  t = await startTestService({ env });
  redis = new Redis(t.redis.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await second?.stop();
  await t?.stop();
  redis?.disconnect();
});

async function post(type: string, payload: unknown, i: number): Promise<string> {
  const res = await t.api("/v1/jobs", { method: "POST", json: { type, userId: `u${i % 3}`, payload } });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job: { id: string } }).job.id;
}

test("a full relay holds at most its slots plus one job per type; a second relay takes the rest", async () => {
  const queues = ["echo", "scripted"].map((q) => new Queue(q, { connection: redis, prefix: t.redis.prefix }));
  try {
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => post("echo", { value: `e${i}`, delayMs: 1_500 }, i)),
      ...Array.from({ length: 20 }, (_, i) => post("scripted", { script: ["sleep:900"] }, i)),
    ]);
    const held = async () =>
      (await Promise.all(queues.map((q) => q.getActiveCount()))).reduce((a, b) => a + b, 0);
    await eventually(async () => (await held()) >= 10);
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      peak = Math.max(peak, await held());
      await new Promise((r) => setTimeout(r, 50));
    }
    // Ten running, one waiting per type, and a job or two that BullMQ still counts active while it moves
    // to completed (without the budget: 20, ten per type).
    expect(peak).toBeLessThanOrEqual(14);
    second = await startTestService({ env, db: t.db, redis: t.redis });
    // Both relays busy: more than one relay's slots are in use.
    await eventually(async () => (await held()) > 12, { timeoutMs: 10_000 });
    await eventually(async () => (await held()) === 0, { timeoutMs: 20_000 });
  } finally {
    await second?.stop();
    second = null;
    await Promise.all(queues.map((q) => q.close()));
  }
}, 60_000);

test("two busy types on one relay each reach their equal share of the slots", async () => {
  const runningByType = async () => {
    const rows = await t.db.db.execute(
      sql`select type, count(*)::int as n from jobs where status = 'active' group by type`,
    );
    return Object.fromEntries(rowsOf(rows).map((r) => [String(r.type), Number(r.n)]));
  };
  await Promise.all(
    Array.from({ length: 40 }, (_, i) => post("echo", { value: `f${i}`, delayMs: 2_000 }, i)),
  );
  await eventually(async () => ((await runningByType()).echo ?? 0) >= 8);
  await Promise.all(Array.from({ length: 30 }, (_, i) => post("scripted", { script: ["sleep:900"] }, i)));
  // Freed echo slots go to the scripted jobs until they run at least half of the relay (5 of 10).
  await eventually(async () => ((await runningByType()).scripted ?? 0) >= 5, { timeoutMs: 6_000 });
}, 60_000);
