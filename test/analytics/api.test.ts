// The analytics API end to end (routes + real API-key auth + real Postgres, the sync through the signed
// handler): connect an account and register posts, sync, then read metrics, the time series and insights.
// Tokens never come back in any response; PATCH with new tokens makes a needs_reauth account active again.
import { OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createOrg } from "../../db/queries/orgs.js";
import { socialAccounts } from "../../db/schema.js";
import { decryptTokens } from "../../handlers/analytics-sync/accounts.js";
import { apiKeyAuth } from "../../src/api/auth.js";
import type { ApiEnv } from "../../src/api/deps.js";
import { apiErrorHandler } from "../../src/api/errors.js";
import { registerInsightRoutes } from "../../src/api/routes/insights.js";
import { registerPostRoutes } from "../../src/api/routes/posts.js";
import { registerSocialAccountRoutes } from "../../src/api/routes/social-accounts.js";
import { validationHook } from "../../src/api/validation-hook.js";
import { parseConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { type Harness, startHarness, TOKEN_KEYS, token } from "./harness.js";

let h: Harness;
// biome-ignore lint/suspicious/noExplicitAny: the tests read JSON response bodies loosely
type Json = any;
type Api = (
  path: string,
  init?: { method?: string; json?: unknown },
) => Promise<{ status: number; text: string; body: Json }>;
let api: Api;
/** The same routes on a service without TOKEN_ENCRYPTION_KEYS. */
let unconfigured: Api;
let orgId: string;
const secrets: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  const created = await createOrg(h.db.db, "api-org");
  orgId = created.org.id;
  const client = (env: Record<string, string>): Api => {
    const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
    app.onError(apiErrorHandler(createLogger({ level: "silent" })));
    app.use("/v1/*", apiKeyAuth(h.db.db));
    const deps = { db: h.db.db, config: parseConfig(env) };
    registerSocialAccountRoutes(app, deps);
    registerPostRoutes(app, deps);
    registerInsightRoutes(app, deps);
    return async (path, init = {}) => {
      const res = await app.request(path, {
        method: init.method ?? "GET",
        headers: { authorization: `Bearer ${created.apiKey}`, "content-type": "application/json" },
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
      });
      const text = await res.text();
      for (const s of secrets) expect(text).not.toContain(s);
      return { status: res.status, text, body: text ? JSON.parse(text) : null };
    };
  };
  api = client({ TOKEN_ENCRYPTION_KEYS: TOKEN_KEYS });
  unconfigured = client({});
});
afterAll(() => h.close());

test("connect, register posts, sync, read metrics and insights", async () => {
  const accessToken = token("x-api-access");
  const refreshToken = token("x-api-refresh");
  secrets.push(accessToken, refreshToken);
  h.x.tokens.grant(accessToken, refreshToken);
  h.x.tweets.set("9001", {
    id: "9001",
    text: "Ship it #devtools",
    public_metrics: {
      like_count: 30,
      reply_count: 5,
      retweet_count: 4,
      quote_count: 1,
      impression_count: 800,
    },
  });

  const acc = await api("/v1/social-accounts", {
    method: "POST",
    json: {
      userId: "u-api",
      platform: "twitter",
      externalAccountId: "2244994945",
      accessToken,
      refreshToken,
      displayName: "@acme",
    },
  });
  expect(acc.status).toBe(201);
  expect(acc.body.socialAccount).toMatchObject({
    platform: "twitter",
    status: "active",
    lastSyncAt: null,
    userId: "u-api",
  });
  expect(acc.text).not.toMatch(/accessToken|refreshToken|Enc/);
  const id = acc.body.socialAccount.id as string;

  const dup = await api("/v1/social-accounts", {
    method: "POST",
    json: { userId: "u-api", platform: "twitter", externalAccountId: "2244994945", accessToken },
  });
  expect(dup.status).toBe(409);

  const post = await api("/v1/posts", {
    method: "POST",
    json: { socialAccountId: id, externalPostId: "9001", publishedAt: "2026-11-24T09:00:00Z" },
  });
  expect(post.status).toBe(201);
  expect(post.body.post.latestMetrics).toBeNull();
  const again = await api("/v1/posts", {
    method: "POST",
    json: { socialAccountId: id, externalPostId: "9001", publishedAt: "2026-11-24T09:00:00Z" },
  });
  expect(again.status).toBe(200);
  expect(again.body.post.id).toBe(post.body.post.id);
  const bad = await api("/v1/posts", {
    method: "POST",
    json: { socialAccountId: "sa_nope", externalPostId: "1", publishedAt: "nope" },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.fields.map((f: { path: string }) => f.path)).toContain("publishedAt");

  expect((await api("/v1/insights?userId=u-api")).status).toBe(404);

  expect((await h.sync(id, { orgId })).status).toBe(200);
  expect((await h.sync(id, { orgId })).status).toBe(200);

  const list = await api("/v1/posts?userId=u-api&platform=twitter");
  expect(list.status).toBe(200);
  expect(list.body.items).toHaveLength(1);
  expect(list.body.items[0].latestMetrics).toMatchObject({
    likes: 30,
    comments: 5,
    shares: 5,
    impressions: 800,
  });
  expect(list.body.items[0].latestMetrics.engagementRate).toBeCloseTo(40 / 800, 10);
  expect(list.body.items[0].text).toBe("Ship it #devtools");
  expect((await api("/v1/posts?userId=u-api&platform=linkedin")).body.items).toHaveLength(0);

  const series = await api(`/v1/posts/${post.body.post.id}/metrics`);
  expect(series.body.items).toHaveLength(2);
  expect(new Date(series.body.items[0].capturedAt) <= new Date(series.body.items[1].capturedAt)).toBe(true);

  const brain = await api("/v1/insights?userId=u-api");
  expect(brain.status).toBe(200);
  expect(brain.body.insights.data.platforms.twitter).toMatchObject({
    posts: 1,
    bestWeekday: { weekday: "Tuesday" },
    bestHour: { hour: 9 },
  });
  expect(brain.body.insights.data.platforms.twitter.topHashtags[0]).toMatchObject({ tag: "devtools" });

  const got = await api(`/v1/social-accounts/${id}`);
  expect(got.body.socialAccount.lastSyncAt).not.toBeNull();
  const accounts = await api("/v1/social-accounts?userId=u-api");
  expect(accounts.body.items.map((a: { id: string }) => a.id)).toEqual([id]);
});

test("needs_reauth → PATCH with new tokens → active again and syncing", async () => {
  const dead = token("li-dead");
  secrets.push(dead);
  const created = await api("/v1/social-accounts", {
    method: "POST",
    json: {
      userId: "u-api",
      platform: "linkedin",
      externalAccountId: "urn:li:organization:77",
      accessToken: dead,
    },
  });
  const id = created.body.socialAccount.id as string;
  await api("/v1/posts", {
    method: "POST",
    json: { socialAccountId: id, externalPostId: "urn:li:share:77", publishedAt: "2026-11-20T10:00:00Z" },
  });
  const failed = await h.sync(id, { orgId });
  expect(failed.status).toBe(422);
  const flagged = await api(`/v1/social-accounts/${id}`);
  expect(flagged.body.socialAccount).toMatchObject({ status: "needs_reauth" });
  expect(flagged.body.socialAccount.lastError).toMatch(/no refresh token/);

  const fresh = token("li-fresh");
  secrets.push(fresh);
  h.li.tokens.grant(fresh);
  h.li.shareStats.set("urn:li:share:77", {
    uniqueImpressionsCount: 5,
    shareCount: 1,
    engagement: 0.1,
    clickCount: 2,
    likeCount: 8,
    impressionCount: 100,
    commentCount: 1,
  });
  const patched = await api(`/v1/social-accounts/${id}`, { method: "PATCH", json: { accessToken: fresh } });
  expect(patched.status).toBe(200);
  expect(patched.body.socialAccount).toMatchObject({ status: "active", lastError: null });
  expect((await h.sync(id, { orgId })).status).toBe(200);
  const list = await api(`/v1/posts?socialAccountId=${id}`);
  expect(list.body.items[0].latestMetrics.engagementRate).toBeCloseTo(10 / 100, 10);

  expect((await api(`/v1/social-accounts/${id}`, { method: "DELETE" })).status).toBe(204);
  expect((await api(`/v1/social-accounts/${id}`)).status).toBe(404);
  expect((await api(`/v1/posts?socialAccountId=${id}`)).body.items).toHaveLength(0);
});

test("another organization's account is not visible", async () => {
  const mine = await h.addAccount("twitter", "other-org-acc", { accessToken: token("x") });
  expect((await api(`/v1/social-accounts/${mine.id}`)).status).toBe(404);
  const p = await api("/v1/posts", {
    method: "POST",
    json: { socialAccountId: mine.id, externalPostId: "1", publishedAt: "2026-11-20T10:00:00Z" },
  });
  expect(p.status).toBe(400);
});

test("PATCH: only new tokens reactivate; null clears; a name needs no key; no key → 503 naming it", async () => {
  const first = token("li-first");
  const refresh = token("li-refresh");
  secrets.push(first, refresh);
  const created = await api("/v1/social-accounts", {
    method: "POST",
    json: {
      userId: "u-patch",
      platform: "linkedin",
      externalAccountId: "urn:li:person:5",
      accessToken: first,
      refreshToken: refresh,
    },
  });
  const id = created.body.socialAccount.id as string;
  const row = async () => (await h.db.db.select().from(socialAccounts).where(eq(socialAccounts.id, id)))[0]!;
  await h.db.db
    .update(socialAccounts)
    .set({ status: "needs_reauth", lastError: "dead" })
    .where(eq(socialAccounts.id, id));

  // No new token: the status stays, the refresh token is cleared, the name and expiry change.
  const cleared = await api(`/v1/social-accounts/${id}`, {
    method: "PATCH",
    json: { refreshToken: null, displayName: "Acme", expiresAt: "2027-01-01T00:00:00Z" },
  });
  expect(cleared.status).toBe(200);
  expect(cleared.body.socialAccount).toMatchObject({
    status: "needs_reauth",
    displayName: "Acme",
    expiresAt: "2027-01-01T00:00:00.000Z",
  });
  expect((await row()).refreshTokenEnc).toBeNull();

  // Without TOKEN_ENCRYPTION_KEYS: a name still changes; tokens cannot be stored (503, not 500).
  const named = await unconfigured(`/v1/social-accounts/${id}`, {
    method: "PATCH",
    json: { displayName: "Acme 2" },
  });
  expect(named.status).toBe(200);
  expect(named.body.socialAccount.displayName).toBe("Acme 2");
  const patch = await unconfigured(`/v1/social-accounts/${id}`, {
    method: "PATCH",
    json: { accessToken: token("li-x") },
  });
  const post = await unconfigured("/v1/social-accounts", {
    method: "POST",
    json: { userId: "u-patch", platform: "twitter", externalAccountId: "77", accessToken: token("x") },
  });
  for (const res of [patch, post]) {
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("token_encryption_unconfigured");
    expect(res.body.error.message).toContain("TOKEN_ENCRYPTION_KEYS");
  }
  expect((await row()).status).toBe("needs_reauth");

  // New tokens from the user: active again, last error cleared, the token stored encrypted.
  const fresh = token("li-fresh-2");
  secrets.push(fresh);
  const back = await api(`/v1/social-accounts/${id}`, { method: "PATCH", json: { accessToken: fresh } });
  expect(back.body.socialAccount).toMatchObject({ status: "active", lastError: null, displayName: "Acme 2" });
  expect((await decryptTokens(h.cipher, await row())).accessToken).toBe(fresh);
});
