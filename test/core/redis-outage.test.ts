// Redis outages, always on a private redis-server this test owns: the API answers 503 fast and leaves no
// row behind, /readyz names Redis, everything resumes by itself when Redis returns, and the reconciler
// restores jobs Redis lost (restart without persistence, FLUSHALL) without doubling those it still has.
import { sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { eventually } from "../helpers/eventually.js";
import { jobOf, startTestService, type TestService } from "../helpers/service.js";
import { startPrivateRedis } from "../helpers/services.js";
import { calls } from "../helpers/test-types.js";

let db: TestDatabase;
let redisServer: Awaited<ReturnType<typeof startPrivateRedis>>;
let t: TestService;
let admin: Redis;

beforeAll(async () => {
  db = await createTestDatabase();
  redisServer = await startPrivateRedis();
  admin = new Redis(redisServer.url, { maxRetriesPerRequest: null, lazyConnect: true });
  admin.on("error", () => {});
  t = await startTestService({
    db,
    redis: { url: redisServer.url, prefix: "outage" },
    env: { RECONCILE_INTERVAL_MS: "500" },
  });
  t.service.reconciler!.stop(); // driven by hand below, except where the interval is the point
});
afterAll(async () => {
  await t.stop();
  admin.disconnect();
  await redisServer.stop();
  await db.close();
});

async function enqueue(payload: unknown, extra: Record<string, unknown> = {}) {
  return t.api("/v1/jobs", { method: "POST", json: { type: "echo", userId: "u1", payload, ...extra } });
}

async function jobCount() {
  const r = await db.db.execute(sql`select count(*)::int as n from jobs`);
  return (r as unknown as { rows: { n: number }[] }).rows[0]!.n;
}

test("Redis down: 503 + Retry-After within 2 s, no row left, readyz says redis; then recovery by itself", {
  timeout: 60_000,
}, async () => {
  const ok = await enqueue({ value: "before" });
  expect(ok.status).toBe(202);
  const before = await jobCount();
  await redisServer.stop();

  const started = Date.now();
  const res = await enqueue({ value: "during" });
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toBeTruthy();
  expect(await jobCount()).toBe(before);
  const ready = await fetch(`${t.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(((await ready.json()) as { down: string[] }).down).toEqual(["redis"]);

  redisServer = await startPrivateRedis({ port: redisServer.port });
  const after = await eventually(
    async () => {
      const r = await enqueue({ value: "after" });
      return r.status === 202 ? ((await r.json()) as { job: { id: string } }).job.id : null;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  await eventually(async () => (await jobOf(t, after)).status === "completed", { timeoutMs: 20_000 });
  expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
});

test("a restart without persistence loses the queue; the reconciler restores it (on reconnect)", {
  timeout: 60_000,
}, async () => {
  const res = await enqueue({ value: "delayed" }, { runAt: new Date(Date.now() + 1_500).toISOString() });
  const id = ((await res.json()) as { job: { id: string } }).job.id;
  await redisServer.stop();
  redisServer = await startPrivateRedis({ port: redisServer.port }); // empty: nothing persisted
  await eventually(
    async () => (await t.service.reconciler!.runOnce()) >= 1 || (await jobOf(t, id)).status === "completed",
    {
      timeoutMs: 20_000,
      intervalMs: 500,
    },
  );
  const job = await eventually(
    async () => {
      const j = await jobOf(t, id);
      return j.status === "completed" ? j : null;
    },
    { timeoutMs: 20_000 },
  );
  expect(job.attempts).toBe(1);
  expect(calls.get(id)).toBe(1);
});

test("FLUSHALL: the reconciler restores lost jobs and never doubles ones Redis still has", {
  timeout: 60_000,
}, async () => {
  admin.connect().catch(() => {});
  const kept = await enqueue({ value: "kept" }, { runAt: new Date(Date.now() + 8_000).toISOString() });
  const keptId = ((await kept.json()) as { job: { id: string } }).job.id;
  // Redis still has this one: a reconcile pass must not add it again.
  await db.db.execute(sql`update jobs set updated_at = now() - interval '1 minute' where id = ${keptId}`);
  expect(await t.service.reconciler!.runOnce({ full: true })).toBe(0);

  const lost = await enqueue({ value: "lost" }, { runAt: new Date(Date.now() + 1_000).toISOString() });
  const lostId = ((await lost.json()) as { job: { id: string } }).job.id;
  await admin.flushall();
  await db.db.execute(
    sql`update jobs set updated_at = now() - interval '1 minute' where id in (${lostId}, ${keptId})`,
  );
  expect(await t.service.reconciler!.runOnce()).toBe(2);
  expect(await t.service.reconciler!.runOnce({ full: true })).toBe(0);
  await eventually(async () => (await jobOf(t, lostId)).status === "completed", { timeoutMs: 20_000 });
  await eventually(async () => (await jobOf(t, keptId)).status === "completed", { timeoutMs: 20_000 });
  expect(calls.get(lostId)).toBe(1);
  expect(calls.get(keptId)).toBe(1);
});

test("a job Postgres must still run but BullMQ holds as finished is queued again", {
  timeout: 60_000,
}, async () => {
  const res = await enqueue({ value: "again" });
  const id = ((await res.json()) as { job: { id: string } }).job.id;
  await eventually(async () => (await jobOf(t, id)).status === "completed", { timeoutMs: 20_000 });
  // As if a retry lost its add to a BullMQ copy that had not let go yet.
  await db.db.execute(
    sql`update jobs set status = 'queued', finished_at = null, updated_at = now() - interval '1 minute' where id = ${id}`,
  );
  expect(await t.service.reconciler!.runOnce({ full: true })).toBe(1);
  await eventually(async () => (await jobOf(t, id)).status === "completed", { timeoutMs: 20_000 });
  expect(calls.get(id)).toBe(2);
});

test("the first job of a type enqueued while Redis is down is refused with 503, and the type works once Redis is back", {
  timeout: 60_000,
}, async () => {
  await redisServer.stop();
  const res = await t.api("/v1/jobs", {
    method: "POST",
    json: { type: "scripted", userId: "u1", payload: { script: ["ok"] } },
  });
  expect(res.status).toBe(503);
  redisServer = await startPrivateRedis({ port: redisServer.port });
  const id = await eventually(
    async () => {
      const r = await t.api("/v1/jobs", {
        method: "POST",
        json: { type: "scripted", userId: "u1", payload: { script: ["ok"] } },
      });
      return r.status === 202 ? ((await r.json()) as { job: { id: string } }).job.id : null;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  await eventually(async () => (await jobOf(t, id)).status === "completed", { timeoutMs: 20_000 });
});
