// content-generation against the local OpenAI-compatible server (real HTTP, the real openai SDK, real
// Postgres): structured output saved as drafts, rule violations regenerated then trimmed, malformed replies,
// context and insights in the prompt, and one set of items however often a job is delivered.

import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { contextItems, contextSources, insights } from "../../db/schema.js";
import { checkPost, findHashtags } from "../../handlers/content-generation/platform-rules.js";
import { weightedLength } from "../../handlers/content-generation/twitter-length.js";
import { newId } from "../../handlers/kit/ids.js";
import { FOUR_PLATFORM_POSTS } from "../fakes/content-replies.js";
import { completion } from "../fakes/openai-server.js";
import { API_KEY, type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.openai.requests.length = 0;
});

const four = FOUR_PLATFORM_POSTS;

// biome-ignore lint/suspicious/noExplicitAny: reads the JSON request body the fake recorded
const userPrompt = (body: any): string =>
  body.messages.filter((m: { role: string }) => m.role === "user").at(-1).content;

test("structured output becomes one draft per platform, with usage and cost", async () => {
  h.openai.enqueue(completion(four, { usage: { prompt_tokens: 1000, completion_tokens: 400 } }));
  const jobId = newId("job");
  const res = await h.deliver(
    { topic: "Home solar panels", tone: "friendly", callToAction: "Get a quote" },
    { jobId },
  );
  expect(res.status).toBe(200);
  const result = await res.json();
  expect(result).toMatchObject({
    generator: "openai",
    model: "gpt-4o-mini-2024-07-18",
    usage: { promptTokens: 1000, completionTokens: 400, totalTokens: 1400 },
  });
  expect(result.costUsd).toBeCloseTo((1000 * 0.15 + 400 * 0.6) / 1e6, 12);

  const items = await h.items(jobId);
  expect(items.map((i) => i.platform).sort()).toEqual(["facebook", "instagram", "linkedin", "twitter"]);
  expect(result.itemIds.sort()).toEqual(items.map((i) => i.id).sort());
  const x = items.find((i) => i.platform === "twitter")!;
  expect(x).toMatchObject({
    orgId: "org_a",
    userId: "user_a",
    status: "draft",
    generator: "openai",
    hashtags: ["Solar"],
  });
  expect(x.text).toBe("Solar at home pays back faster than you think. https://example.com/solar\n\n#Solar");
  expect(items.reduce((s, i) => s + (i.promptTokens ?? 0), 0)).toBe(1000);
  expect(items.reduce((s, i) => s + (i.completionTokens ?? 0), 0)).toBe(400);

  const [req] = h.openai.requests;
  expect(req!.headers.authorization).toBe(`Bearer ${API_KEY}`);
  expect(req!.body.model).toBe("gpt-4o-mini");
  expect(req!.body.response_format).toMatchObject({
    type: "json_schema",
    json_schema: { name: "platform_posts", strict: true },
  });
  expect(Object.keys(req!.body.response_format.json_schema.schema.properties).sort()).toEqual([
    "facebook",
    "instagram",
    "linkedin",
    "twitter",
  ]);
  expect(userPrompt(req!.body)).toContain("Tone: friendly");
  expect(userPrompt(req!.body)).toContain("Call to action: Get a quote");
});

test("an over-long X post is regenerated once naming the violation, and the fix is kept", async () => {
  const long = `${"Solar panels cut bills. ".repeat(15)}https://example.com/a-very-long-link-that-counts-as-23-only`;
  const fixed =
    "Solar panels cut bills: see how much at https://example.com/a-very-long-link-that-counts-as-23-only";
  h.openai.enqueue(
    completion({ twitter: [{ text: long, hashtags: [] }] }),
    completion({ twitter: [{ text: fixed, hashtags: ["Solar"] }] }),
  );
  const jobId = newId("job");
  const res = await h.deliver({ topic: "Solar savings", platforms: ["twitter"] }, { jobId });
  expect(res.status).toBe(200);
  expect(h.openai.requests).toHaveLength(2);
  const ask = userPrompt(h.openai.requests[1]!.body);
  expect(ask).toContain("X/Twitter variation 1");
  expect(ask).toContain(`is ${weightedLength(long)} characters`);
  expect(ask).toContain("the limit is 280");
  const [item] = await h.items(jobId);
  expect(item!.text).toBe(`${fixed}\n\n#Solar`);
});

test("an X post still too long after regeneration is trimmed at a sentence boundary", async () => {
  const sentences = Array.from({ length: 12 }, (_, i) => `Point ${i + 1} about going solar is simple.`).join(
    " ",
  );
  h.openai.enqueue(
    completion({
      twitter: [
        { text: sentences, hashtags: ["Solar"] },
        { text: "Short and fine.", hashtags: [] },
      ],
    }),
    completion({ twitter: [{ text: `${sentences} And more.`, hashtags: ["Solar"] }] }),
  );
  const jobId = newId("job");
  const res = await h.deliver(
    { topic: "Solar", platforms: ["twitter"], variationsPerPlatform: 2 },
    { jobId },
  );
  expect(res.status).toBe(200);
  // Only the broken variation was asked for again.
  expect(h.openai.requests[1]!.body.response_format.json_schema.schema.properties.twitter).toBeDefined();
  expect(userPrompt(h.openai.requests[1]!.body)).not.toContain("variation 2");
  const items = await h.items(jobId);
  expect(items).toHaveLength(2);
  expect(weightedLength(items[0]!.text)).toBeLessThanOrEqual(280);
  expect(items[0]!.text).toMatch(/^Point 1 about going solar is simple\..*is simple\.$/s);
  expect(items[1]!.text).toBe("Short and fine.");
});

test("too many Instagram hashtags: regenerated, then capped at 30", async () => {
  const tags = (n: number) => Array.from({ length: n }, (_, i) => `tag${i + 1}x`);
  h.openai.enqueue(
    completion({ instagram: [{ text: "Morning light on the new panels.", hashtags: tags(45) }] }),
    completion({ instagram: [{ text: "Morning light on the new panels.", hashtags: tags(36) }] }),
  );
  const jobId = newId("job");
  const res = await h.deliver({ topic: "Solar", platforms: ["instagram"] }, { jobId });
  expect(res.status).toBe(200);
  expect(userPrompt(h.openai.requests[1]!.body)).toContain("has 45 hashtags; the limit is 30");
  const [item] = await h.items(jobId);
  expect(findHashtags(item!.text)).toHaveLength(30);
  expect(item!.hashtags).toEqual(tags(30));
  expect(checkPost("instagram", item!.text)).toEqual([]);
});

test("malformed JSON is asked for once more; twice malformed answers 503 and saves nothing", async () => {
  h.openai.enqueue(completion('{"twitter": [{"text": "oops"'), completion(four));
  const ok = await h.deliver({ topic: "Solar" });
  expect(ok.status).toBe(200);
  expect(userPrompt(h.openai.requests[1]!.body)).toContain("not valid JSON");

  h.openai.requests.length = 0;
  h.openai.enqueue(completion("Sure! Here are your posts: ..."), completion({ twitter: "nope" }));
  const jobId = newId("job");
  const bad = await h.deliver({ topic: "Solar" }, { jobId });
  expect(bad.status).toBe(503);
  expect((await bad.json()).error.code).toBe("ai_malformed_output");
  expect(h.openai.requests).toHaveLength(2);
  expect(await h.items(jobId)).toEqual([]);
});

test("the user's relevant context items and insights go into the prompt; other users' do not", async () => {
  const src = { orgId: "org_c", userId: "user_c", kind: "website" as const };
  await h.db.db.insert(contextSources).values([
    { id: "src_blog", url: "https://blog.example.com", ...src },
    { id: "src_news", url: "https://news.example.com", ...src },
    {
      id: "src_other",
      url: "https://other.example.com",
      orgId: "org_c",
      userId: "user_other",
      kind: "website",
    },
  ]);
  const item = (id: string, sourceId: string, title: string, text: string, userId = "user_c") => ({
    id,
    orgId: "org_c",
    userId,
    sourceId,
    itemKey: id,
    url: `https://blog.example.com/${id}`,
    title,
    text,
    contentHash: id,
  });
  await h.db.db
    .insert(contextItems)
    .values([
      item(
        "ci_heat",
        "src_blog",
        "Heat pumps in cold climates",
        "How heat pumps keep working at minus twenty degrees.",
      ),
      item(
        "ci_battery",
        "src_news",
        "Home battery storage explained",
        "Pair a home battery with rooftop solar to use power at night.",
      ),
      item(
        "ci_cake",
        "src_blog",
        "Our favourite carrot cake",
        "Flour, carrots, sugar and a lot of patience.",
      ),
      item(
        "ci_secret",
        "src_other",
        "Solar heat pump battery secrets",
        "Another user's solar heat pump notes.",
        "user_other",
      ),
    ]);
  await h.db.db.insert(insights).values({
    orgId: "org_c",
    userId: "user_c",
    computedAt: new Date(),
    data: {
      bestPlatform: "linkedin",
      topHashtags: ["CleanEnergy", "HeatPumps"],
      topPosts: [{ text: "Our install day recap" }],
    },
  });

  h.openai.enqueue(completion(four));
  const res = await h.deliver(
    { topic: "Heat pumps and solar battery storage" },
    { orgId: "org_c", userId: "user_c" },
  );
  expect(res.status).toBe(200);
  const prompt = userPrompt(h.openai.requests[0]!.body);
  expect(prompt).toContain("Heat pumps in cold climates (https://blog.example.com/ci_heat)");
  expect(prompt).toContain("Home battery storage explained");
  expect(prompt).not.toContain("carrot cake");
  expect(prompt).not.toContain("Another user's");
  expect(prompt).toContain("CleanEnergy");
  expect(prompt).toContain("Our install day recap");

  // Restricted to one source: the other source's item stays out.
  h.openai.requests.length = 0;
  h.openai.enqueue(completion(four));
  const only = await h.deliver(
    { topic: "Heat pumps and solar battery storage", contextSourceIds: ["src_news"] },
    { orgId: "org_c", userId: "user_c" },
  );
  expect(only.status).toBe(200);
  const restricted = userPrompt(h.openai.requests[0]!.body);
  expect(restricted).toContain("Home battery storage explained");
  expect(restricted).not.toContain("Heat pumps in cold climates");
});

test("a job delivered twice, in turn or at once, leaves one set of items", async () => {
  h.openai.fallback(() => completion(four));
  const jobId = newId("job");
  const first = await h.deliver({ topic: "Solar" }, { jobId });
  const again = await h.deliver({ topic: "Solar" }, { jobId, attempt: 2 });
  expect(first.status).toBe(200);
  expect(again.status).toBe(200);
  const a = await first.json();
  expect((await again.json()).itemIds).toEqual(a.itemIds);
  expect(h.openai.requests).toHaveLength(1); // the re-delivery did not pay for generation again
  expect(await h.items(jobId)).toHaveLength(4);

  const racing = newId("job");
  const [r1, r2] = await Promise.all([
    h.deliver({ topic: "Solar" }, { jobId: racing }),
    h.deliver({ topic: "Solar" }, { jobId: racing }),
  ]);
  expect([r1.status, r2.status]).toEqual([200, 200]);
  const ids1 = (await r1.json()).itemIds;
  expect((await r2.json()).itemIds).toEqual(ids1);
  expect((await h.items(racing)).map((i) => i.id).sort()).toEqual([...ids1].sort());
});

test("an invalid payload answers 400 naming the field", async () => {
  for (const payload of [
    { topic: "" },
    { topic: "x", variationsPerPlatform: 4 },
    { topic: "x", platforms: ["myspace"] },
  ]) {
    const res = await h.deliver(payload);
    expect(res.status).toBe(400);
    expect((await res.json()).error.fields[0].path).toMatch(/^payload\./);
  }
  expect(h.openai.requests).toHaveLength(0);
});
