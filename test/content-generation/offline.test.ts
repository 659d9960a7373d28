// Without OPENAI_API_KEY the offline composer writes every platform's posts: readable, deterministic,
// within each platform's limits, labelled generator "offline", and no AI request is made.
import { afterAll, beforeAll, expect, test } from "vitest";
import { contextItems, contextSources, insights } from "../../db/schema.js";
import { checkPost } from "../../handlers/content-generation/platform-rules.js";
import { newId } from "../../handlers/kit/ids.js";
import { type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const offline = { env: { OPENAI_API_KEY: "" } };

test("every platform, three variations, within limits, deterministic", async () => {
  const payload = {
    topic: "How small bakeries can win local customers with Instagram stories and a weekly newsletter",
    tone: "playful",
    audience: "independent bakery owners",
    callToAction: "Grab the free checklist at https://example.com/bakery-checklist",
    variationsPerPlatform: 3,
  };
  const jobA = newId("job");
  const res = await h.deliver(payload, { ...offline, jobId: jobA });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({
    generator: "offline",
    model: null,
    usage: { totalTokens: 0 },
    costUsd: 0,
  });
  const items = await h.items(jobA);
  expect(items).toHaveLength(12);
  for (const item of items) {
    expect(checkPost(item.platform as "twitter", item.text)).toEqual([]);
    expect(item.generator).toBe("offline");
    expect(item.text).toMatch(/bakeries|Bakeries/);
  }
  const linkedin = items.filter((i) => i.platform === "linkedin");
  expect(new Set(linkedin.map((i) => i.text)).size).toBe(3); // the variations differ
  expect(linkedin[0]!.text).toContain("Grab the free checklist at https://example.com/bakery-checklist.");
  expect(linkedin[0]!.hashtags.length).toBeGreaterThan(0);
  expect(h.openai.requests).toHaveLength(0);

  // Same input, same posts.
  const jobB = newId("job");
  await h.deliver(payload, { ...offline, jobId: jobB });
  expect((await h.items(jobB)).map((i) => i.text)).toEqual(items.map((i) => i.text));
});

test("a 500-character topic still fits X, and context items are cited", async () => {
  await h.db.db.insert(contextSources).values({
    id: "src_o",
    orgId: "org_o",
    userId: "user_o",
    kind: "rss",
    url: "https://blog.example.com/feed",
  });
  await h.db.db.insert(contextItems).values({
    id: "ci_o",
    orgId: "org_o",
    userId: "user_o",
    sourceId: "src_o",
    itemKey: "k",
    url: "https://blog.example.com/sourdough-starter",
    title: "Keeping a sourdough starter alive",
    text: "Feed it twice a day. Keep it warm.",
    contentHash: "h",
  });
  const topic = `Sourdough starter care ${"and the long slow rise of a good loaf ".repeat(12)}`.slice(0, 500);
  const jobId = newId("job");
  const res = await h.deliver({ topic }, { ...offline, jobId, orgId: "org_o", userId: "user_o" });
  expect(res.status).toBe(200);
  const items = await h.items(jobId);
  expect(items).toHaveLength(4);
  for (const item of items) expect(checkPost(item.platform as "twitter", item.text)).toEqual([]);
  expect(items.find((i) => i.platform === "linkedin")!.text).toContain(
    "Keeping a sourdough starter alive: https://blog.example.com/sourdough-starter",
  );
});

test("offline posts quote a concrete fact from the best-matching item, use the best hashtags, fit every platform", async () => {
  await h.db.db.insert(contextSources).values({
    id: "src_f",
    orgId: "org_f",
    userId: "user_f",
    kind: "website",
    url: "https://solar.example.com",
  });
  await h.db.db.insert(contextItems).values([
    {
      id: "ci_f1",
      orgId: "org_f",
      userId: "user_f",
      sourceId: "src_f",
      itemKey: "a",
      url: "https://solar.example.com/payback",
      title: "How fast home solar pays back",
      text: "Solar is popular. In 2025 the average home solar system paid for itself in 6.5 years. Ask an installer.",
      contentHash: "a",
    },
    {
      id: "ci_f2",
      orgId: "org_f",
      userId: "user_f",
      sourceId: "src_f",
      itemKey: "b",
      url: "https://solar.example.com/bakery",
      title: "Sourdough at dawn",
      text: "Bread needs 12 hours to rise.",
      contentHash: "b",
    },
  ]);
  await h.db.db.insert(insights).values({
    orgId: "org_f",
    userId: "user_f",
    computedAt: new Date(),
    data: {
      platforms: { instagram: { topHashtags: [{ tag: "SunnyHomes", posts: 3, avgEngagementRate: 0.09 }] } },
      overall: { topHashtags: [{ tag: "CleanEnergy", posts: 5, avgEngagementRate: 0.07 }] },
    },
  });
  const jobId = newId("job");
  const res = await h.deliver(
    { topic: "home solar payback", tone: "professional", callToAction: "Book a free roof check" },
    { ...offline, jobId, orgId: "org_f", userId: "user_f" },
  );
  expect(res.status).toBe(200);
  const items = await h.items(jobId);
  expect(items).toHaveLength(4);
  const fact = "In 2025 the average home solar system paid for itself in 6.5 years.";
  for (const item of items) {
    expect(checkPost(item.platform as "twitter", item.text)).toEqual([]);
    expect(item.generator).toBe("offline");
    expect(item.text).toContain(fact);
    expect(item.text).toContain("Book a free roof check.");
    expect(item.hashtags).toContain("CleanEnergy");
    expect(item.text).not.toContain("Sourdough");
  }
  const by = (p: string) => items.find((i) => i.platform === p)!;
  for (const p of ["twitter", "linkedin", "facebook"])
    expect(by(p).text).toContain("https://solar.example.com/payback");
  // Instagram captions have no clickable links: the fact is quoted with its title, and the user's best tag leads.
  expect(by("instagram").text).not.toContain("https://");
  expect(by("instagram").text).toContain("(How fast home solar pays back)");
  expect(by("instagram").hashtags[0]).toBe("SunnyHomes");
});
