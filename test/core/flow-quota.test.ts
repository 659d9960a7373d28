// Provider quotas learned from answers, with two relays sharing one key: a fake OpenAI allowing 10 requests
// per 2 s (refilling steadily, real-shaped x-ratelimit-* headers). The first job of the class runs alone
// (nothing is known yet); after its answer the relays dispatch only what the key has left and park the rest
// (waitingOn quota, no attempt, no call), waking them as the quota refills. Almost no call meets a 429.
import { afterAll, beforeAll, expect, test } from "vitest";
import { openAiLimits } from "../fakes/openai-limits.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai-server.js";
import { eventually } from "../helpers/eventually.js";
import { flowCatalog, providers } from "../helpers/flow-types.js";
import { startTestService, type TestService } from "../helpers/service.js";

let t: TestService;
let second: TestService;
let ai: FakeOpenAi;
const limits = openAiLimits({ limit: 10, windowMs: 2_000, content: { ok: true } });
beforeAll(async () => {
  ai = await startFakeOpenAi();
  ai.fallback((req) => limits.reply(req));
  providers.set("q1", ai.baseUrl);
  const env = { RELAY_CONCURRENCY: "20" };
  t = await startTestService({ catalog: flowCatalog, env });
  second = await startTestService({ catalog: flowCatalog, env, db: t.db, redis: t.redis });
});
afterAll(async () => {
  await second?.stop();
  await t?.stop();
  await ai?.close();
});

interface JobView {
  id: string;
  status: string;
  attempts: number;
  waitingOn: { reason: string; key: string; until?: string | null } | null;
}
const view = async (id: string) => ((await (await t.api(`/v1/jobs/${id}`)).json()) as { job: JobView }).job;

test("40 jobs on a 10-per-2-s quota across two relays: all complete, one attempt each, at most one 429", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) {
    const res = await t.api("/v1/jobs", {
      method: "POST",
      json: { type: "ai-call", userId: `u${i % 4}`, payload: { provider: "q1" } },
    });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { job: { id: string } }).job.id);
  }
  // While the quota binds, jobs wait on its key with the time it refills.
  const waiting = await eventually(
    async () => {
      for (const id of ids.slice(-10)) {
        const j = await view(id);
        if (j.waitingOn?.reason === "quota" && j.waitingOn.key === "openai:q1:gpt-test:requests") return j;
      }
      return null;
    },
    { timeoutMs: 15_000 },
  );
  expect(waiting.attempts).toBe(0);
  expect(Date.parse(waiting.waitingOn!.until!)).toBeGreaterThan(Date.now() - 5_000);
  const done = await eventually(
    async () => {
      const all = await Promise.all(ids.map(view));
      return all.every((j) => j.status === "completed") ? all : null;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  expect(done.map((j) => j.attempts)).toEqual(ids.map(() => 1));
  expect(limits.rejected).toBeLessThanOrEqual(1);
  expect(limits.calls).toBe(40 + limits.rejected);
}, 60_000);
