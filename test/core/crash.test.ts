// Crash safety: a relay killed with kill -9 mid-job leaves a `lost` run, and the job completes once a relay
// is back; SIGTERM drains active jobs; a Postgres outage while a job finishes loses no status write.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type ChildService, relayEnv as childRelayEnv, spawnService } from "../helpers/child.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { eventually } from "../helpers/eventually.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";
import { jobOf, jobWhen, startTestService, type TestService } from "../helpers/service.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";

let db: TestDatabase;
let redis: TestRedis;
let handlers: TestService;
let api: TestService;
const children: ChildService[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await createTestRedis();
  handlers = await startTestService({ db, redis, env: { ROLE: "handlers" } });
  api = await startTestService({ db, redis, env: { ROLE: "api" } });
});
afterAll(async () => {
  for (const c of children) if (c.process.exitCode === null) c.process.kill("SIGKILL");
  await api.stop();
  await handlers.stop();
  await redis.cleanup();
  await db.close();
});

const relayEnv = (extra: Record<string, string> = {}) =>
  childRelayEnv({ db, redis, handlersUrl: handlers.url }, extra);

async function enqueue(payload: unknown) {
  const res = await api.api("/v1/jobs", { method: "POST", json: { type: "echo", userId: "u1", payload } });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job: { id: string } }).job.id;
}

async function runs(id: string) {
  const res = await api.api(`/v1/jobs/${id}/runs`);
  return ((await res.json()) as { items: { outcome: string; attempt: number; durationMs: number }[] }).items;
}

test("kill -9 of the relay mid-job: the job runs again once a relay is back and completes once", {
  timeout: 90_000,
}, async () => {
  const first = await spawnService(relayEnv());
  children.push(first);
  const id = await enqueue({ value: "survive", delayMs: 3_000 });
  await eventually(async () => (await jobOf(api, id)).status === "active", { timeoutMs: 20_000 });
  first.process.kill("SIGKILL");
  await first.exited;
  const second = await spawnService(relayEnv());
  children.push(second);
  const job = await jobWhen(api, id, "completed", 60_000);
  expect(job.attempts).toBe(2);
  const r = await runs(id);
  expect(r.map((x) => x.outcome)).toEqual(["lost", "completed"]);
  expect(r[0]!.durationMs).toBeGreaterThan(1_000); // from the lost attempt's start to its takeover
  second.process.kill("SIGTERM");
  expect(await second.exited).toBe(0);
});

test("kill -9 of a relay while jobs wait on a pause: nothing lost, nothing doubled", {
  timeout: 90_000,
}, async () => {
  const first = await spawnService(relayEnv());
  children.push(first);
  const paused = await api.api("/admin/pauses", { method: "POST", json: { type: "echo" } });
  const pauseId = ((await paused.json()) as { pause: { id: string } }).pause.id;
  const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => enqueue({ value: `parked-${i}` })));
  await eventually(
    async () => {
      for (const id of ids) if (!(await jobOf(api, id)).waitingOn) return false;
      return true;
    },
    { timeoutMs: 20_000 },
  );
  first.process.kill("SIGKILL");
  await first.exited;
  const second = await spawnService(relayEnv());
  children.push(second);
  expect((await api.api(`/admin/pauses/${pauseId}`, { method: "DELETE" })).status).toBe(200);
  for (const id of ids) {
    const job = await jobWhen(api, id, "completed");
    expect(job.attempts).toBe(1);
    expect((await runs(id)).map((x) => x.outcome)).toEqual(["completed"]);
  }
  second.process.kill("SIGTERM");
  expect(await second.exited).toBe(0);
});

test("SIGTERM drains active jobs within the grace period", { timeout: 60_000 }, async () => {
  const relay = await spawnService(relayEnv({ SHUTDOWN_GRACE_MS: "15000" }));
  children.push(relay);
  const id = await enqueue({ value: "drain", delayMs: 1_500 });
  await eventually(async () => (await jobOf(api, id)).status === "active", { timeoutMs: 20_000 });
  relay.process.kill("SIGTERM");
  expect(await relay.exited).toBe(0);
  const job = await jobOf(api, id);
  expect(job.status).toBe("completed");
  expect((await runs(id)).map((x) => x.outcome)).toEqual(["completed"]);
});

test("Postgres unreachable while a job finishes: the status write is retried, nothing lost", {
  timeout: 60_000,
}, async () => {
  const target = new URL(db.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  const relay = await startTestService({
    db,
    redis,
    env: { ROLE: "relay", HANDLERS_URL: handlers.url, DATABASE_URL: viaProxy.toString() },
  });
  try {
    const id = await enqueue({ value: "pg-outage", delayMs: 4_000 });
    await eventually(async () => (await jobOf(api, id)).status === "active", { timeoutMs: 20_000 });
    await proxy.cut();
    await eventually(() => relay.logs.some((l) => l.includes("postgres unreachable")), { timeoutMs: 20_000 });
    await proxy.restore();
    const job = await jobWhen(api, id, "completed");
    expect(job.attempts).toBe(1);
    const count = await db.db.execute(sql`select count(*)::int as n from job_runs where job_id = ${id}`);
    expect((count as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
  } finally {
    await proxy.restore().catch(() => {}); // a stop must not wait on a cut connection
    await relay.stop();
    await proxy.close();
  }
});
