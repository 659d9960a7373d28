// Checkpoints and usage through the real handler, the openai SDK (streaming) and Postgres: a first reply that
// breaks a platform rule, a follow-up that fails with 500, then a retry that pays only for the follow-up; the
// job's result counts calls made and reused; usage rows match what the server reported; checkpoints go at the end.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { aiCheckpoints, aiUsage } from "../../db/schema.js";
import { contentGeneration } from "../../handlers/content-generation/index.js";
import { newId } from "../../handlers/kit/ids.js";
import { apiError, completion } from "../fakes/openai-server.js";
import { type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.openai.requests.length = 0;
});

const tooLong = {
  twitter: [{ text: "Solar panels pay for themselves. ".repeat(12), hashtags: ["Solar"] }],
  linkedin: [{ text: "Rooftop solar is a finance decision now.", hashtags: ["Energy"] }],
};
const fixed = { twitter: [{ text: "Solar pays back faster than you think.", hashtags: ["Solar"] }] };
const payload = { topic: "Home solar panels", platforms: ["twitter", "linkedin"] };

const usageOf = (jobId: string) => h.db.db.select().from(aiUsage).where(eq(aiUsage.jobId, jobId));
const checkpointsOf = (jobId: string) =>
  h.db.db.select().from(aiCheckpoints).where(eq(aiCheckpoints.jobId, jobId));

test("a retry after a failed follow-up reuses the paid first reply and makes only the follow-up", async () => {
  const jobId = newId("job");
  h.openai.enqueue(
    completion(tooLong, { usage: { prompt_tokens: 900, completion_tokens: 300 } }),
    apiError(500, { message: "The server had an error", type: "server_error" }),
  );
  const first = await h.deliver(payload, { jobId, attempt: 1 });
  expect(first.status).toBe(503);
  expect(h.openai.requests).toHaveLength(2);
  expect(h.openai.requests[0]!.body.stream).toBe(true);
  // The first reply was kept although the job failed: the next attempt does not pay for it again.
  expect((await checkpointsOf(jobId)).map((c) => c.requestKey)).toEqual(["posts"]);
  expect(await h.items(jobId)).toHaveLength(0);

  h.openai.enqueue(completion(fixed, { usage: { prompt_tokens: 1100, completion_tokens: 50 } }));
  const second = await h.deliver(payload, { jobId, attempt: 2 });
  expect(second.status).toBe(200);
  expect(h.openai.requests).toHaveLength(3);
  // The retry's only request is the follow-up: it carries the first reply back as the assistant turn.
  const followUp = h.openai.requests[2]!.body;
  expect(followUp.messages.at(-1).content).toContain("break the platform rules");
  const result = await second.json();
  expect(result.aiCalls).toEqual({ made: 1, reused: 1 });
  expect(result.usage).toMatchObject({ promptTokens: 2000, completionTokens: 350 });
  const x = (await h.items(jobId)).find((i) => i.platform === "twitter")!;
  expect(x.text).toBe("Solar pays back faster than you think.\n\n#Solar");

  // Every call is in the usage, the failed one too, and the sums match what the server reported.
  const usage = await usageOf(jobId);
  expect(usage.map((u) => [u.requestKey, u.outcome]).sort()).toEqual([
    ["posts", "ok"],
    ["posts:fix", "failed"],
    ["posts:fix", "ok"],
  ]);
  expect(usage.reduce((s, u) => s + u.promptTokens, 0)).toBe(2000);
  expect(usage.reduce((s, u) => s + u.completionTokens, 0)).toBe(350);
  expect(usage.every((u) => u.orgId === "org_a" && u.userId === "user_a")).toBe(true);
  const cost = usage.reduce((s, u) => s + u.costUsd, 0);
  expect(cost).toBeCloseTo((2000 * 0.15 + 350 * 0.6) / 1e6, 12);
  expect(result.costUsd).toBeCloseTo(cost, 12);
  // The job finished: its checkpoints are gone.
  expect(await checkpointsOf(jobId)).toHaveLength(0);
});

test("a failure on the last attempt, or a permanent one, drops the checkpoints", async () => {
  const jobId = newId("job");
  h.openai.enqueue(
    completion(tooLong),
    apiError(500, { message: "The server had an error", type: "server_error" }),
  );
  const res = await h.deliver(payload, { jobId, attempt: 3, maxAttempts: 3 });
  expect(res.status).toBe(503);
  expect(await checkpointsOf(jobId)).toHaveLength(0);

  const refused = newId("job");
  h.openai.enqueue(completion(null, { refusal: "I can't help with that." }));
  expect((await h.deliver(payload, { jobId: refused })).status).toBe(422);
  expect(await checkpointsOf(refused)).toHaveLength(0);
});

test("a provider that ignores stream: true still works", async () => {
  const { startFakeOpenAi } = await import("../fakes/openai-server.js");
  const plain = await startFakeOpenAi({ apiKey: "sk-plain", stream: false });
  try {
    plain.enqueue(completion({ linkedin: tooLong.linkedin }));
    const jobId = newId("job");
    const res = await h.deliver(
      { topic: "Home solar", platforms: ["linkedin"] },
      { jobId, env: { OPENAI_API_KEY: "sk-plain", OPENAI_BASE_URL: plain.baseUrl } },
    );
    expect(res.status).toBe(200);
    expect(plain.requests[0]!.body.stream).toBe(true);
    expect((await h.items(jobId))[0]!.text).toContain("Rooftop solar is a finance decision now.");
  } finally {
    await plain.close();
  }
});

test("a job the relay fails for good (a last attempt timed out or lost) has its checkpoints dropped by onFailed", async () => {
  const jobId = newId("job");
  h.openai.enqueue(completion(tooLong), apiError(503, { message: "overloaded", type: "server_error" }));
  expect((await h.deliver(payload, { jobId })).status).toBe(503);
  expect(await checkpointsOf(jobId)).toHaveLength(1);
  const log = { info() {}, warn() {}, error() {} };
  await contentGeneration.onFailed!({ db: h.db.db, clock: { now: () => new Date() }, log }, {
    jobId,
    type: "content-generation",
    orgId: "org_a",
    userId: "user_a",
    payload,
    errorCode: "timeout",
    errorMessage: "timed out",
  } as never);
  expect(await checkpointsOf(jobId)).toHaveLength(0);
});
