// Through the real service (API → relay → signed handler → streamed OpenAI reply): SSE `draft` and `progress`
// events in order, replayed from Last-Event-ID; regenerate keeps the old version;
// GET /v1/usage sums match what the AI server reported.
import { afterAll, beforeAll, expect, test } from "vitest";
import { contentGeneration } from "../../handlers/content-generation/index.js";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { completion, type FakeOpenAi, startFakeOpenAi } from "../fakes/openai-server.js";
import { eventually } from "../helpers/eventually.js";
import { jobOf, startTestService, type TestService } from "../helpers/service.js";

let t: TestService;
let openai: FakeOpenAi;
beforeAll(async () => {
  openai = await startFakeOpenAi({ apiKey: "sk-live", pieceChars: 7 });
  t = await startTestService({
    catalog: createCatalog([contentGeneration]),
    env: { OPENAI_API_KEY: "sk-live", OPENAI_BASE_URL: openai.baseUrl },
  });
});
afterAll(async () => {
  await t?.stop();
  await openai?.close();
});

interface SseEvent {
  event: string;
  id: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed event payloads, inspected freely
  data: any;
}

/** Reads SSE events from `/v1/events` until `until` holds; returns them (comments and heartbeats skipped). */
async function readEvents(headers: Record<string, string>, until: (seen: SseEvent[]) => boolean) {
  const controller = new AbortController();
  const res = await t.api("/v1/events?userId=writer", { signal: controller.signal, headers });
  const reader = res.body!.getReader();
  const seen: SseEvent[] = [];
  let buffer = "";
  const pump = async () => {
    while (!until(seen)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) => block.match(new RegExp(`^${name}: ?(.*)$`, "m"))?.[1];
        const event = field("event");
        if (event) seen.push({ event, id: field("id") ?? "", data: JSON.parse(field("data") ?? "null") });
        end = buffer.indexOf("\n\n");
      }
    }
  };
  return { seen, done: pump().finally(() => controller.abort()) };
}

const posts = {
  twitter: [
    { text: "Solar at home pays back faster than you think.", hashtags: ["Solar"] },
    { text: "Your roof could be earning money.", hashtags: ["Solar", "Home"] },
  ],
  linkedin: [
    { text: "Rooftop solar is now a finance decision.", hashtags: ["Energy"] },
    { text: "Three numbers to check before going solar.", hashtags: ["Energy"] },
  ],
};
const usage = { prompt_tokens: 640, completion_tokens: 210 };
let jobId = "";
let itemId = "";

test("drafts and progress stream in order, and replay from Last-Event-ID", async () => {
  openai.enqueue(completion(posts, { usage }));
  const live = await readEvents(
    {},
    (seen) =>
      seen.some((e) => e.event === "job" && e.data.job.status === "completed") &&
      seen.filter((e) => e.event === "progress").length >= 4,
  );
  // The response has started (": connected"), so the subscription is in place before the job is posted.
  const res = await t.api("/v1/jobs", {
    method: "POST",
    json: {
      type: "content-generation",
      userId: "writer",
      payload: { topic: "Home solar", platforms: ["twitter", "linkedin"], variationsPerPlatform: 2 },
    },
  });
  jobId = ((await res.json()) as { job: { id: string } }).job.id;
  await live.done;
  const mine = live.seen.filter((e) => e.event !== "job" || e.data.job.id === jobId);
  const kinds = mine.map((e) => (e.event === "job" ? `job:${e.data.job.status}` : e.event));
  expect(kinds.filter((k) => k === "draft" || k === "progress")).toEqual(
    Array.from({ length: 4 }, () => ["draft", "progress"]).flat(),
  );
  const drafts = mine.filter((e) => e.event === "draft").map((e) => e.data.draft);
  expect(drafts.map((d) => [d.platform, d.variation])).toEqual([
    ["twitter", 0],
    ["twitter", 1],
    ["linkedin", 0],
    ["linkedin", 1],
  ]);
  expect(drafts[0]).toEqual({
    jobId,
    platform: "twitter",
    variation: 0,
    text: "Solar at home pays back faster than you think.\n\n#Solar",
  });
  const progress = mine.filter((e) => e.event === "progress").map((e) => e.data.progress);
  expect(progress).toEqual([1, 2, 3, 4].map((done) => ({ jobId, done, total: 4 })));
  expect(openai.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

  // Reconnecting after the first draft replays what came after it, in the same order, with the same ids.
  const firstDraft = mine.find((e) => e.event === "draft")!;
  const after = mine.slice(mine.indexOf(firstDraft) + 1);
  const replay = await readEvents({ "last-event-id": firstDraft.id }, (seen) => seen.length >= after.length);
  await replay.done;
  expect(replay.seen.slice(0, after.length).map((e) => [e.event, e.id])).toEqual(
    after.map((e) => [e.event, e.id]),
  );
  const job = await jobOf(t, jobId);
  expect(job.result).toMatchObject({ aiCalls: { made: 1, reused: 0 } });
  itemId = (job.result as { itemIds: string[] }).itemIds[0]!;
});

test("regenerate one item: a new version through a job, the previous one kept", async () => {
  const before = (await (await t.api(`/v1/content/${itemId}`)).json()).content;
  const regenerated = {
    [before.platform]: [{ text: "A fresh take on home solar savings.", hashtags: ["Solar"] }],
  };
  openai.enqueue(completion(regenerated, { usage: { prompt_tokens: 300, completion_tokens: 40 } }));
  const res = await t.api(`/v1/content/${itemId}/regenerate`, {
    method: "POST",
    json: { instructions: "Shorter and warmer" },
  });
  expect(res.status).toBe(202);
  const { job } = (await res.json()) as { job: { id: string; type: string } };
  expect(job.type).toBe("content-generation");
  await eventually(async () => (await jobOf(t, job.id)).status === "completed");
  const prompt = openai.requests.at(-1)!.body.messages;
  expect(prompt.at(-2).content).toContain(before.text);
  expect(prompt.at(-1).content).toContain("Shorter and warmer");

  const now = (await (await t.api(`/v1/content/${itemId}`)).json()).content;
  expect(now.text).toBe("A fresh take on home solar savings.\n\n#Solar");
  const versions = (await (await t.api(`/v1/content/${itemId}/versions`)).json()).items;
  expect(versions.map((v: { version: number; current: boolean }) => [v.version, v.current])).toEqual([
    [1, false],
    [2, true],
  ]);
  expect(versions[0].text).toBe(before.text);
  expect(versions[1]).toMatchObject({ jobId: job.id, instructions: "Shorter and warmer" });
  expect((await t.api("/v1/content/cnt_nope/regenerate", { method: "POST", json: {} })).status).toBe(404);
});

test("GET /v1/usage and /admin/usage sum what the AI server reported, per day and model", async () => {
  const today = new Date().toISOString().slice(0, 10);
  const body = (await (await t.api("/v1/usage?userId=writer")).json()).usage;
  expect(body.days).toHaveLength(1);
  expect(body.days[0]).toMatchObject({
    day: today,
    model: "gpt-4o-mini-2024-07-18",
    calls: 2,
    jobs: 2,
    promptTokens: usage.prompt_tokens + 300,
    completionTokens: usage.completion_tokens + 40,
  });
  expect(body.totals.costUsd).toBeCloseTo(((640 + 300) * 0.15 + (210 + 40) * 0.6) / 1e6, 12);
  const admin = (await (await t.api(`/admin/usage?orgId=${t.orgId}`)).json()).usage;
  expect(admin.totals).toEqual(body.totals);
  expect((await t.api("/admin/usage?orgId=org_nope")).status).toBe(404);
  const none = (await (await t.api("/v1/usage?userId=someone-else")).json()).usage;
  expect(none.totals.calls).toBe(0);
  expect((await t.api("/v1/usage?from=2026-01-02&to=2026-01-01")).status).toBe(400);
});
