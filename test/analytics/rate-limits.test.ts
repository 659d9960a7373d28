// Rate limits: a platform's signal becomes 429 + Retry-After (its reset) and a shared pause, so the next
// sync sharing the limit waits without calling the platform: the same account for per-user limits (X 429,
// Graph 17), every account of the platform for app-wide ones (Graph error 4). Other platforms go on.
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { businessUseCaseUsage, DOC_APP_USAGE_EXAMPLE } from "../fakes/platforms/graph.js";
import { type Harness, startHarness, token } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.clearPauses());

async function xAccount(label: string) {
  const at = token(`x-${label}`);
  h.x.tokens.grant(at);
  const account = await h.addAccount("twitter", label, { accessToken: at });
  h.x.tweets.set(`${label}-1`, {
    id: `${label}-1`,
    text: "hi",
    public_metrics: { like_count: 1, reply_count: 0, retweet_count: 0, quote_count: 0, impression_count: 10 },
  });
  await h.addPost(account, `${label}-1`);
  return account;
}

async function fbAccount(label: string) {
  const at = token(`fb-${label}`);
  h.fb.tokens.grant(at);
  const account = await h.addAccount("facebook", label, { accessToken: at });
  h.fb.posts.set(`${label}_1`, { reactions: 1, comments: 0, shares: 0, impressions: 10, clicks: 0 });
  await h.addPost(account, `${label}_1`);
  return { account, accessToken: at };
}

test("X 429 → 429 with Retry-After = x-rate-limit-reset; the same account waits without calling X, another account syncs", async () => {
  const a = await xAccount("xa");
  const b = await xAccount("xb");
  const reset = Math.floor(Date.now() / 1000) + 600;
  h.x.rateLimitedUntil = reset;
  const res = await h.sync(a.id);
  h.x.rateLimitedUntil = null;
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(590);
  expect(retryAfter).toBeLessThanOrEqual(601);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limited");

  const calls = h.x.requests.length;
  const again = await h.sync(a.id);
  expect(again.status).toBe(429);
  expect(Number(again.headers.get("retry-after"))).toBeLessThanOrEqual(retryAfter);
  expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(580);
  expect(h.x.requests.length).toBe(calls);

  // X's user-context limit is per user: another account is not held back.
  expect((await h.sync(b.id)).status).toBe(200);
});

test("Graph error 4 (app-wide) → every Facebook account waits; Instagram is not affected", async () => {
  const first = await fbAccount("111");
  const second = await fbAccount("222");
  h.fb.fault = {
    kind: "error",
    status: 403,
    code: 4,
    message: "(#4) Application request limit reached",
    headers: businessUseCaseUsage(),
  };
  const res = await h.sync(first.account.id);
  h.fb.fault = null;
  expect(res.status).toBe(429);
  // The documented header's longest estimated_time_to_regain_access: 19 minutes.
  expect(Number(res.headers.get("retry-after"))).toBe(19 * 60);

  const calls = h.fb.requests.length;
  const other = await h.sync(second.account.id);
  expect(other.status).toBe(429);
  expect(Number(other.headers.get("retry-after"))).toBeGreaterThan(19 * 60 - 10);
  expect(h.fb.requests.length).toBe(calls);

  const igToken = token("ig");
  h.ig.tokens.grant(igToken);
  const ig = await h.addAccount("instagram", "ig-under-same-app", { accessToken: igToken });
  h.ig.media.set("m1", { likes: 1, comments: 1, shares: 0, saved: 0, reach: 5, views: 10 });
  await h.addPost(ig, "m1");
  expect((await h.sync(ig.id)).status).toBe(200);
});

test("Graph error 17 (user limit) pauses only that account", async () => {
  const limited = await fbAccount("333");
  const free = await fbAccount("444");
  h.fb.faultForToken.set(limited.accessToken, {
    kind: "error",
    status: 403,
    code: 17,
    message: "(#17) User request limit reached",
  });
  const res = await h.sync(limited.account.id);
  h.fb.faultForToken.clear();
  expect(res.status).toBe(429);
  const calls = h.fb.requests.length;
  expect((await h.sync(limited.account.id)).status).toBe(429);
  expect(h.fb.requests.length).toBe(calls);
  expect((await h.sync(free.account.id)).status).toBe(200);
});

test("X-App-Usage at 100 % on a successful answer: this sync completes, the next Facebook sync waits", async () => {
  const a = await fbAccount("555");
  const b = await fbAccount("666");
  h.fb.appUsagePct = 100;
  const res = await h.sync(a.account.id);
  h.fb.appUsagePct = DOC_APP_USAGE_EXAMPLE.call_count;
  expect(res.status).toBe(200);
  const calls = h.fb.requests.length;
  const next = await h.sync(b.account.id);
  expect(next.status).toBe(429);
  expect(h.fb.requests.length).toBe(calls);
});

test("LinkedIn 429 → 429 with the platform's Retry-After", async () => {
  const at = token("li");
  h.li.tokens.grant(at);
  const account = await h.addAccount("linkedin", "urn:li:organization:1", { accessToken: at });
  await h.addPost(account, "urn:li:share:1");
  h.li.throttled = true;
  const res = await h.sync(account.id);
  h.li.throttled = false;
  expect(res.status).toBe(429);
  expect(Number(res.headers.get("retry-after"))).toBe(120);
});
