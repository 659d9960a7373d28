// kill -9 of the only relay while jobs wait on a breaker and on a quota: nothing waiting is lost (the
// wait lives in Postgres and the wake lists in Redis; a new relay sweeps them at start) and nothing is
// doubled (each job completes once, one completed run each).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { rowsOf } from "../../db/queries/rows.js";
import { openAiLimits } from "../fakes/openai-limits.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai-server.js";
import { type ChildService, relayEnv, spawnService } from "../helpers/child.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { eventually } from "../helpers/eventually.js";
import { flowCatalog, providers } from "../helpers/flow-types.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";
import { startTestService, type TestService } from "../helpers/service.js";

let db: TestDatabase;
let redis: TestRedis;
let handlers: TestService;
let api: TestService;
let fake: FakeOpenAi;
let limited: FakeOpenAi;
const outage = openAiLimits({ limit: 10_000, windowMs: 1_000, content: { ok: true } });
const quota = openAiLimits({ limit: 4, windowMs: 4_000, content: { ok: true } });
const children: ChildService[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await createTestRedis();
  fake = await startFakeOpenAi();
  fake.fallback((req) => outage.reply(req));
  limited = await startFakeOpenAi();
  limited.fallback((req) => quota.reply(req));
  providers.set("c-down", fake.baseUrl);
  providers.set("c-quota", limited.baseUrl);
  handlers = await startTestService({ db, redis, catalog: flowCatalog, env: { ROLE: "handlers" } });
  api = await startTestService({ db, redis, catalog: flowCatalog, env: { ROLE: "api" } });
});
afterAll(async () => {
  for (const c of children) if (c.process.exitCode === null) c.process.kill("SIGKILL");
  await api.stop();
  await handlers.stop();
  await Promise.all([fake.close(), limited.close()]);
  await redis.cleanup();
  await db.close();
});

const relay = async () => {
  const child = await spawnService(
    relayEnv(
      { db, redis, handlersUrl: handlers.url },
      {
        FIXTURE_CATALOG: "flow",
        RELAY_CONCURRENCY: "4",
        BREAKER_COOLDOWN_MS: "300",
        BREAKER_MAX_COOLDOWN_MS: "600",
      },
    ),
  );

  children.push(child);
  return child;
};

async function post(provider: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await api.api("/v1/jobs", {
      method: "POST",
      json: { type: "ai-call", userId: "u1", payload: { provider } },
    });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { job: { id: string } }).job.id);
  }
  return ids;
}
const waitingOn = async (ids: string[], reason: string) =>
  Number(
    rowsOf(
      await db.db.execute(
        sql`select count(*)::int n from jobs where waiting_reason = ${reason} and id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
      ),
    )[0]!.n,
  );
async function completedOnce(ids: string[]) {
  const rows = rowsOf(
    await db.db.execute(sql`
      select j.id, j.status, (select count(*)::int from job_runs r where r.job_id = j.id and r.outcome = 'completed') as done
      from jobs j where j.id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`),
  );
  return rows.length === ids.length && rows.every((r) => r.status === "completed") ? rows : null;
}

test("kill -9 while jobs wait on an open breaker and on a spent quota: all complete once on the next relay", async () => {
  outage.down = true;
  const first = await relay();
  const broken = await post("c-down", 10);
  const metered = await post("c-quota", 10);
  await eventually(async () => (await waitingOn(broken, "breaker")) >= 4, { timeoutMs: 20_000 });
  await eventually(async () => (await waitingOn(metered, "quota")) >= 3, { timeoutMs: 20_000 });
  first.process.kill("SIGKILL");
  await first.exited;
  outage.down = false;
  await relay();
  const rows = await eventually(async () => completedOnce([...broken, ...metered]), {
    timeoutMs: 40_000,
    intervalMs: 250,
  });
  expect(rows.map((r) => Number(r.done))).toEqual(rows.map(() => 1));
  // A call in flight at the kill is made again (its run is `lost`); no waiting job calls twice.
  const lost = Number(
    rowsOf(
      await db.db.execute(
        sql`select count(*)::int n from job_runs where outcome = 'lost' and job_id in (select jsonb_array_elements_text(${JSON.stringify(metered)}::jsonb))`,
      ),
    )[0]!.n,
  );
  expect(quota.calls - quota.rejected).toBeLessThanOrEqual(10 + lost);
}, 90_000);
