// The worker's edge plumbing in workerd: signature refusals (401) with the replay check stored through
// @upstash/redis in the same Redis keys the Node service uses, a Neon connection per request closed after
// the response, and the URL-level fetch guard (user URLs refused, operator service URLs reachable).
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { contentItems, contextSources } from "../../db/schema.js";
import { newId } from "../../handlers/kit/ids.js";
import { signRequest } from "../../handlers/kit/signature.js";
import { completion, type FakeOpenAi, startFakeOpenAi } from "../fakes/openai-server.js";
import { eventually } from "../helpers/eventually.js";
import { type FakeSite, html, startFakeSite } from "../scrape/fake-site.js";
import {
  builtWorker,
  HANDLERS_URL,
  KEYS,
  removeBuild,
  startWorkerd,
  type WorkerdHarness,
} from "./harness.js";

const OPENAI_KEY = "sk-edge-test";
let h: WorkerdHarness;
let openai: FakeOpenAi;
let site: FakeSite;

beforeAll(async () => {
  [openai, site] = await Promise.all([startFakeOpenAi({ apiKey: OPENAI_KEY }), startFakeSite()]);
  // Production-like: private networks NOT allowed for user URLs.
  h = await startWorkerd({ OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: openai.baseUrl });
}, 120_000);
afterAll(async () => {
  await h?.close();
  await Promise.all([openai?.close(), site?.close()]);
  await removeBuild();
});

describe("signatures through workerd", () => {
  test("a request signed with another key is refused with 401 and runs nothing", async () => {
    const jobId = newId("job");
    const res = await h.deliver("content-generation", { topic: "x" }, { key: "not-our-key", jobId });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "signature_rejected" } });
    expect(openai.requests).toHaveLength(0);
  });

  test("a missing signature and a signature for another URL are refused with 401", async () => {
    const body = JSON.stringify({
      jobId: "j",
      type: "scrape",
      orgId: "o",
      userId: "u",
      attempt: 1,
      maxAttempts: 4,
      payload: {},
    });
    const none = await h.fetch("/scrape", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(none.status).toBe(401);
    const other = await signRequest({ key: KEYS.current, url: `${HANDLERS_URL}/content-generation`, body });
    const wrongUrl = await h.fetch("/scrape", {
      method: "POST",
      body,
      headers: { "upstash-signature": other },
    });
    expect(wrongUrl.status).toBe(401);
  });

  test("the next key is accepted; a replayed signature is refused, its id kept in Redis via the Upstash REST API", async () => {
    openai.enqueue(completion({ twitter: [{ text: "Replay-safe posts.", hashtags: [] }] }));
    const body = JSON.stringify({
      jobId: newId("job"),
      type: "content-generation",
      orgId: h.orgId,
      userId: h.userId,
      attempt: 1,
      maxAttempts: 4,
      payload: { topic: "Replays", platforms: ["twitter"] },
    });
    const signature = await signRequest({ key: KEYS.next, url: `${HANDLERS_URL}/content-generation`, body });
    const send = () =>
      h.fetch("/content-generation", {
        method: "POST",
        body,
        headers: { "upstash-signature": signature, "content-type": "application/json" },
      });
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(401);
    // Stored by @upstash/redis through the REST protocol, in the same key space the Node adapter uses.
    expect(
      h.upstash.commands.some(
        ([cmd, key]) => cmd?.toUpperCase() === "SET" && key?.startsWith(`${h.redis.prefix}:kv:`),
      ),
    ).toBe(true);
    const keys = await h.redis.client.keys(`${h.redis.prefix}:kv:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(await h.db.db.$count(contentItems)).toBe(1);
  });
});

describe("Neon connection per request", () => {
  test("queries go through the Neon driver's WebSocket and the connection is closed after the response", async () => {
    const before = h.neon.connections();
    openai.enqueue(completion({ linkedin: [{ text: "One connection per request.", hashtags: [] }] }));
    const res = await h.deliver("content-generation", { topic: "Pools", platforms: ["linkedin"] });
    expect(res.status).toBe(200);
    expect(h.neon.connections()).toBeGreaterThan(before);
    await eventually(() => h.neon.active() === 0, { message: "Neon connections closed" });
  });
});

describe("URL-level fetch guard on Workers", () => {
  test("a user URL on a private address is refused (422 blocked_url) and nothing reaches it", async () => {
    site.route("/private", html("<p>internal</p>"));
    const id = newId("src");
    await h.db.db
      .insert(contextSources)
      .values({ id, orgId: h.orgId, userId: h.userId, kind: "website", url: `${site.url}/private` });
    const res = await h.deliver("scrape", { sourceId: id });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: "blocked_url" } });
    expect(site.connections).toBe(0);
  });

  test("the operator's service URL (OPENAI_BASE_URL on 127.0.0.1 here) is still reachable", async () => {
    const seen = openai.requests.length;
    openai.enqueue(completion({ facebook: [{ text: "Service origins are trusted.", hashtags: [] }] }));
    const res = await h.deliver("content-generation", { topic: "Trust", platforms: ["facebook"] });
    expect(res.status).toBe(200);
    expect(openai.requests.length).toBe(seen + 1);
  });
});

test("a worker without its Redis secrets answers /healthz, and 503 naming them (retried) on jobs", async () => {
  const w = await builtWorker();
  const mf = new Miniflare({
    modules: true,
    modulesRoot: w.dir,
    scriptPath: w.scriptPath,
    compatibilityDate: w.compatibilityDate,
    compatibilityFlags: w.compatibilityFlags,
    bindings: { HANDLERS_URL, QSTASH_CURRENT_SIGNING_KEY: KEYS.current, QSTASH_NEXT_SIGNING_KEY: KEYS.next },
    handleRuntimeStdio: () => {},
  });
  try {
    expect((await mf.dispatchFetch(`${HANDLERS_URL}/healthz`)).status).toBe(200);
    const res = await mf.dispatchFetch(`${HANDLERS_URL}/scrape`, { method: "POST", body: "{}" });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstash_redis_unconfigured");
    expect(body.error.message).toContain("UPSTASH_REDIS_REST_URL");
  } finally {
    await mf.dispose();
  }
});
