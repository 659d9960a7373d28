// Rate limits: a platform's signal becomes 429 + Retry-After (its reset) and a quota report naming who shares
// the limit (X-Flywheel-Quota, remaining 0 until the reset): the account for per-user limits (X 429, Graph
// 17), the platform for app-wide ones (Graph error 4), so the relay holds every sync sharing it
// (test/flow/quota-relay.test.ts shows the holding).
import { afterAll, beforeAll, expect, test } from "vitest";
import { parseQuota } from "../../handlers/kit/quota.js";
import { businessUseCaseUsage, DOC_APP_USAGE_EXAMPLE } from "../fakes/platforms/graph.js";
import { type Harness, startHarness, token } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** The quota reports of an answer, keyed by key. */
function quotaOf(res: Response) {
  return new Map(parseQuota(res.headers.get("x-flywheel-quota")).map((r) => [r.key, r]));
}

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

test("X 429 → 429 with Retry-After = x-rate-limit-reset and the account's quota spent until then", async () => {
  const a = await xAccount("xa");
  const reset = Math.floor(Date.now() / 1000) + 600;
  h.x.rateLimitedUntil = reset;
  const res = await h.sync(a.id);
  h.x.rateLimitedUntil = null;
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(590);
  expect(retryAfter).toBeLessThanOrEqual(601);
  const quota = quotaOf(res).get(`account:${a.id}:twitter`);
  expect(quota?.remaining).toBe(0);
  expect(Math.abs(quota!.reset - reset * 1000)).toBeLessThan(2_000);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
});

test("a successful X answer reports what is left of the account's limit (x-rate-limit-remaining / -reset)", async () => {
  const a = await xAccount("xok");
  const res = await h.sync(a.id);
  expect(res.status).toBe(200);
  const quota = quotaOf(res).get(`account:${a.id}:twitter`);
  expect(quota?.remaining).toBe(899);
  expect(quota!.reset - Date.now()).toBeGreaterThan(890_000);
});

test("Graph error 4 (app-wide) → 429 and the platform's app quota spent, not an account's", async () => {
  const first = await fbAccount("111");
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
  const quota = quotaOf(res);
  expect([...quota.keys()]).toEqual(["facebook:app"]);
  expect(quota.get("facebook:app")!.reset - Date.now()).toBeGreaterThan(19 * 60_000 - 10_000);
});

test("Graph error 17 (user limit) spends only that account's quota", async () => {
  const limited = await fbAccount("333");
  h.fb.faultForToken.set(limited.accessToken, {
    kind: "error",
    status: 403,
    code: 17,
    message: "(#17) User request limit reached",
  });
  const res = await h.sync(limited.account.id);
  h.fb.faultForToken.clear();
  expect(res.status).toBe(429);
  expect([...quotaOf(res).keys()]).toEqual([`account:${limited.account.id}:facebook`]);
});

test("X-App-Usage at 100 % on a successful answer: this sync completes and reports the app quota spent", async () => {
  const a = await fbAccount("555");
  h.fb.appUsagePct = 100;
  const res = await h.sync(a.account.id);
  h.fb.appUsagePct = DOC_APP_USAGE_EXAMPLE.call_count;
  expect(res.status).toBe(200);
  expect(quotaOf(res).get("facebook:app")?.remaining).toBe(0);
  // Under the limit: nothing to report.
  const b = await fbAccount("666");
  const next = await h.sync(b.account.id);
  expect(next.status).toBe(200);
  expect(quotaOf(next).size).toBe(0);
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
  expect(quotaOf(res).get(`account:${account.id}:linkedin`)?.remaining).toBe(0);
});
