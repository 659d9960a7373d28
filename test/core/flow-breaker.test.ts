// Circuit breakers, with two relays sharing one: a fake OpenAI answering 503 opens its breaker after
// BREAKER_FAILURES transient failures; its jobs then wait (waitingOn breaker, no attempt spent, no call, no
// user notification) while one probe per cool-down tries; the operator sees one signal (a warn line, the
// metric, one `breaker.opened` event); another provider's jobs run meanwhile; the probe's success closes it
// and every waiting job completes. A job that waits past BREAKER_MAX_WAIT_MS fails `dependency_unavailable`.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { listNotifications } from "../../db/queries/notifications.js";
import { rowsOf } from "../../db/queries/rows.js";
import { webhookBody } from "../../src/notifier/webhook.js";
import { openAiLimits } from "../fakes/openai-limits.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai-server.js";
import { eventually } from "../helpers/eventually.js";
import { flowCatalog, providers } from "../helpers/flow-types.js";
import { ADMIN_TOKEN, startTestService, type TestService } from "../helpers/service.js";

let t: TestService;
let second: TestService;
let down: FakeOpenAi;
let up: FakeOpenAi;
const flaky = openAiLimits({ limit: 10_000, windowMs: 1_000, content: { ok: true } });
const steady = openAiLimits({ limit: 10_000, windowMs: 1_000, content: { ok: true } });
const env = {
  RELAY_CONCURRENCY: "4",
  BREAKER_COOLDOWN_MS: "400",
  BREAKER_MAX_COOLDOWN_MS: "1600",
  BREAKER_WINDOW_MS: "10000",
};
beforeAll(async () => {
  down = await startFakeOpenAi();
  down.fallback((req) => flaky.reply(req));
  up = await startFakeOpenAi();
  up.fallback((req) => steady.reply(req));
  providers.set("b-down", down.baseUrl);
  providers.set("b-up", up.baseUrl);
  t = await startTestService({ catalog: flowCatalog, env });
  second = await startTestService({ catalog: flowCatalog, env, db: t.db, redis: t.redis });
});
afterAll(async () => {
  await second?.stop();
  await t?.stop();
  await Promise.all([down?.close(), up?.close()]);
});

interface JobView {
  id: string;
  status: string;
  attempts: number;
  error?: { code: string; message: string } | null;
  waitingOn: { reason: string; key: string } | null;
}
const view = async (id: string) => ((await (await t.api(`/v1/jobs/${id}`)).json()) as { job: JobView }).job;
async function post(provider: string, n: number, svc = t): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await svc.api("/v1/jobs", {
      method: "POST",
      json: { type: "ai-call", userId: `u${i % 3}`, payload: { provider } },
    });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { job: { id: string } }).job.id);
  }
  return ids;
}
const breaker = async (dep: string) => {
  const { items } = (await (await t.api("/admin/breakers")).json()) as {
    items: { dependency: string; state: string; failures: number; nextProbeAt: string | null }[];
  };
  return items.find((b) => b.dependency === dep);
};
const count = async (q: ReturnType<typeof sql>) => Number(rowsOf(await t.db.db.execute(q))[0]!.n);
const probeLines = () =>
  [...t.logs, ...second.logs].filter((l) => l.includes("circuit breaker probe failed")).length;

test("an outage: the breaker opens, jobs wait without attempts or calls, the other provider runs, recovery completes all", async () => {
  flaky.down = true;
  const ids = await post("b-down", 30);
  await eventually(async () => (await breaker("fake-ai:b-down"))?.state === "open", { timeoutMs: 15_000 });
  const metrics = await (await t.api("/metrics", { key: ADMIN_TOKEN })).text();
  expect(metrics).toContain('flywheel_breaker_open{dependency="fake-ai:b-down"} 1');

  // Jobs that never ran wait on the breaker with no attempt spent.
  const parked = await eventually(async () => {
    const all = await Promise.all(ids.map(view));
    const w = all.filter((j) => j.waitingOn?.reason === "breaker");
    return w.length >= 10 ? w : null;
  });
  expect(parked.every((j) => j.waitingOn!.key === "fake-ai:b-down" && j.status !== "failed")).toBe(true);

  // Calls from now on are probes only (one per cool-down), once the attempts in flight at the opening landed.
  await eventually(async () => (await Promise.all(ids.map(view))).every((j) => j.status !== "active"));
  const callsBefore = flaky.callsWhileDown;
  const probesBefore = probeLines();
  // Meanwhile the other provider's jobs run at once.
  const others = await post("b-up", 6);
  await eventually(async () => (await Promise.all(others.map(view))).every((j) => j.status === "completed"));
  // Two probes (cool-downs of 0.4 s, then 0.8 s…) fail, and nothing else called meanwhile.
  await eventually(() => probeLines() - probesBefore >= 2, { timeoutMs: 10_000 });
  const probes = probeLines() - probesBefore;
  expect(flaky.callsWhileDown - callsBefore).toBeLessThanOrEqual(probes + 1);

  flaky.down = false;
  const done = await eventually(
    async () => {
      const all = await Promise.all(ids.map(view));
      return all.every((j) => j.status === "completed") ? all : null;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  // Attempts spent on the outage: only the failures before the breaker opened (at most BREAKER_FAILURES - 1).
  const spent = done.reduce((n, j) => n + j.attempts, 0) - done.length;
  expect(spent).toBeLessThanOrEqual(4);
  expect((await breaker("fake-ai:b-down"))?.state).toBe("closed");
  // One operator event each way; no user was told of a failure.
  expect(
    await count(
      sql`select count(*)::int n from notifications where org_id = '_system' and kind = 'breaker.opened'`,
    ),
  ).toBe(1);
  expect(
    await count(
      sql`select count(*)::int n from notifications where org_id = '_system' and kind = 'breaker.closed'`,
    ),
  ).toBe(1);
  expect(await count(sql`select count(*)::int n from notifications where org_id <> '_system'`)).toBe(0);
  expect([...t.logs, ...second.logs].filter((l) => l.includes('"circuit breaker opened"')).length).toBe(1);
}, 90_000);

test("an operator can close an open breaker by hand; its waiting jobs run", async () => {
  flaky.down = true;
  const ids = await post("b-down", 8);
  await eventually(async () => (await breaker("fake-ai:b-down"))?.state === "open", { timeoutMs: 15_000 });
  flaky.down = false;
  const res = await t.api(`/admin/breakers/${encodeURIComponent("fake-ai:b-down")}/close`, {
    method: "POST",
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { breaker: { state: string } }).breaker.state).toBe("closed");
  await eventually(async () => (await Promise.all(ids.map(view))).every((j) => j.status === "completed"), {
    timeoutMs: 15_000,
  });
  expect((await t.api("/admin/breakers/nope/close", { method: "POST" })).status).toBe(404);
}, 60_000);

test("a job that waits on an open breaker past BREAKER_MAX_WAIT_MS fails dependency_unavailable, and its user is told", async () => {
  const patient = await startTestService({
    catalog: flowCatalog,
    env: {
      ...env,
      BREAKER_MAX_WAIT_MS: "1500",
      BREAKER_COOLDOWN_MS: "60000",
      BREAKER_MAX_COOLDOWN_MS: "60000",
    },
  });
  try {
    flaky.down = true;
    const ids = await post("b-down", 12, patient);
    const viewHere = async (id: string) =>
      ((await (await patient.api(`/v1/jobs/${id}`)).json()) as { job: JobView }).job;
    const gaveUp = await eventually(
      async () => {
        const all = await Promise.all(ids.map(viewHere));
        const failed = all.filter((j) => j.status === "failed");
        return failed.length &&
          all.every((j) => j.status === "failed" || j.status === "retrying" || j.waitingOn)
          ? failed
          : null;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    // Jobs that never ran (attempts 0), or whose one failure came before the breaker opened.
    for (const j of gaveUp) expect(j).toMatchObject({ error: { code: "dependency_unavailable" } });
    expect(gaveUp.every((j) => j.attempts <= 1)).toBe(true);
    const told = await patient.db.db.execute(
      sql`select count(*)::int n from notifications where kind = 'job_failed' and job_id = ${gaveUp[0]!.id}`,
    );
    expect(Number(rowsOf(told)[0]!.n)).toBe(1);
  } finally {
    flaky.down = false;
    await patient.stop();
  }
}, 60_000);

test("the webhook names an operator event by its kind", async () => {
  const [n] = await listNotifications(t.db.db, { orgId: "_system", limit: 1 });
  expect(webhookBody(n!)).toMatchObject({
    event: expect.stringMatching(/^breaker\.(opened|closed)$/),
    orgId: "_system",
  });
});
