// End to end through the real service against the local OpenAI-compatible server: POST /v1/jobs → relay →
// signed handler → OpenAI (real SDK, real HTTP) → content_items → GET /v1/content, within the limits, and one
// set of items even when the job is delivered again. Needs registerContentRoutes wired into src/api/app.ts.
import { afterAll, beforeAll, expect, test } from "vitest";
import { contentGeneration } from "../../handlers/content-generation/index.js";
import { checkPost } from "../../handlers/content-generation/platform-rules.js";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { signRequest } from "../../handlers/kit/signature.js";
import { completion, type FakeOpenAi, startFakeOpenAi } from "../fakes/openai-server.js";
import { eventually } from "../helpers/eventually.js";
import { jobOf, startTestService, type TestService } from "../helpers/service.js";

let t: TestService;
let openai: FakeOpenAi;
beforeAll(async () => {
  openai = await startFakeOpenAi({ apiKey: "sk-e2e" });
  t = await startTestService({
    catalog: createCatalog([contentGeneration]),
    env: { OPENAI_API_KEY: "sk-e2e", OPENAI_BASE_URL: openai.baseUrl },
  });
});
afterAll(async () => {
  await t?.stop();
  await openai?.close();
});

interface Item {
  id: string;
  platform: "twitter" | "linkedin" | "facebook" | "instagram";
  text: string;
  generator: string;
}

test("a topic becomes posts in the library, within limits, once even when delivered twice", async () => {
  openai.enqueue(
    completion({
      twitter: [
        { text: `${"Spring is here and so is our new collection. ".repeat(8)}`, hashtags: ["Spring"] },
      ],
      linkedin: [{ text: "Our spring collection is built for teams on the move.", hashtags: ["Retail"] }],
    }),
    completion({ twitter: [{ text: "Still far too long. ".repeat(30), hashtags: [] }] }),
  );
  const res = await t.api("/v1/jobs", {
    method: "POST",
    json: {
      type: "content-generation",
      userId: "u1",
      payload: { topic: "Our spring collection", platforms: ["twitter", "linkedin"] },
    },
  });
  expect(res.status).toBe(202);
  const { job } = (await res.json()) as { job: { id: string } };
  const done = await eventually(async () => {
    const j = await jobOf(t, job.id);
    return j.status === "completed" ? j : null;
  });
  const result = done.result as { itemIds: string[]; generator: string };
  expect(result.generator).toBe("openai");
  expect(result.itemIds).toHaveLength(2);

  const list = async () =>
    ((await (await t.api(`/v1/content?jobId=${job.id}`)).json()) as { items: Item[] }).items;
  const items = await list();
  expect(items.map((i) => i.id).sort()).toEqual([...result.itemIds].sort());
  for (const item of items) expect(checkPost(item.platform, item.text)).toEqual([]);
  expect(openai.requests).toHaveLength(2);

  // At-least-once delivery: the same job arrives again over signed HTTP; the library keeps one set.
  const body = JSON.stringify({
    jobId: job.id,
    type: "content-generation",
    orgId: t.orgId,
    userId: "u1",
    attempt: 1,
    maxAttempts: 4,
    payload: { topic: "Our spring collection", platforms: ["twitter", "linkedin"] },
  });
  const url = `${t.url}/handlers/content-generation`;
  const again = await fetch(url, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "upstash-signature": await signRequest({ key: "sig_current_test_key", url, body }),
    },
  });
  expect(again.status).toBe(200);
  expect(((await again.json()) as { itemIds: string[] }).itemIds.sort()).toEqual([...result.itemIds].sort());
  expect((await list()).map((i) => i.id).sort()).toEqual([...result.itemIds].sort());
  expect(openai.requests).toHaveLength(2);

  const one = await t.api(`/v1/content/${items[0]!.id}`);
  expect(one.status).toBe(200);
});
