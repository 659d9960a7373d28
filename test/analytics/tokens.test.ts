// Tokens: an expired token is refreshed once (under a lock, even with two syncs at once) and the new
// tokens are stored encrypted and used next time; a refused refresh or a Graph 190 flags the account
// (needs_reauth, exactly one notification, 422 never 401); tokens never appear in plain text in the
// database or the logs.
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { notifications, socialAccounts } from "../../db/schema.js";
import { decryptTokens } from "../../handlers/analytics-sync/accounts.js";
import { type Harness, startHarness, token } from "./harness.js";

let h: Harness;
const everyToken: string[] = [];
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

function remember<T extends string>(t: T): T {
  everyToken.push(t);
  return t;
}

async function account(id: string) {
  const [row] = await h.db.db.select().from(socialAccounts).where(eq(socialAccounts.id, id));
  return row!;
}

async function reauthNotifications(accountId: string) {
  const rows = await h.db.db
    .select()
    .from(notifications)
    .where(eq(notifications.kind, "account_needs_reauth"));
  return rows.filter((n) => (n.data as { socialAccountId?: string }).socialAccountId === accountId);
}

test("X 401 → refresh with the refresh token → new tokens stored encrypted; the next sync uses them", async () => {
  const expired = remember(token("x-expired"));
  const refresh = remember(token("x-refresh"));
  h.x.tokens.grant("unrelated", refresh); // the refresh token is known, the access token is not
  const acc = await h.addAccount("twitter", "refresh-me", { accessToken: expired, refreshToken: refresh });
  h.x.tweets.set("r-1", {
    id: "r-1",
    text: "t",
    public_metrics: { like_count: 2, reply_count: 0, retweet_count: 0, quote_count: 0, impression_count: 20 },
  });
  await h.addPost(acc, "r-1");

  const res = await h.sync(acc.id);
  expect(res.status).toBe(200);
  const tokenCalls = h.x.requests.filter((r) => r.path === "/2/oauth2/token");
  expect(tokenCalls).toHaveLength(1);
  const form = new URLSearchParams(tokenCalls[0]!.body);
  expect(form.get("grant_type")).toBe("refresh_token");
  expect(form.get("client_id")).toBe(h.config.X_CLIENT_ID);
  expect(tokenCalls[0]!.headers.authorization).toMatch(/^Basic /);

  const stored = await decryptTokens(h.cipher, await account(acc.id));
  expect(stored.accessToken).not.toBe(expired);
  expect(h.x.tokens.access.has(stored.accessToken)).toBe(true);
  expect(stored.refreshToken).not.toBe(refresh); // X rotates refresh tokens
  remember(stored.accessToken);
  remember(stored.refreshToken!);

  const before = h.x.requests.length;
  expect((await h.sync(acc.id)).status).toBe(200);
  const used = h.x.requests.slice(before);
  expect(used.map((r) => r.path)).toEqual(["/2/tweets"]);
  expect(used[0]!.headers.authorization).toBe(`Bearer ${stored.accessToken}`);
});

test("a token past its expiresAt is refreshed before calling the API (no wasted 401)", async () => {
  const old = remember(token("x-old"));
  const refresh = remember(token("x-refresh"));
  h.x.tokens.grant(old, refresh); // still accepted by X, but we know it expired
  const acc = await h.createAccount({
    platform: "twitter",
    externalAccountId: "expiring",
    accessToken: old,
    refreshToken: refresh,
    expiresAt: new Date(Date.now() - 60_000),
  });
  await h.addPost(acc, "r-1");
  const before = h.x.requests.length;
  expect((await h.sync(acc.id)).status).toBe(200);
  expect(h.x.requests.slice(before).map((r) => r.path)).toEqual(["/2/oauth2/token", "/2/tweets"]);
  const row = await account(acc.id);
  expect(row.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 3600_000);
  const stored = await decryptTokens(h.cipher, row);
  remember(stored.accessToken);
  remember(stored.refreshToken!);
});

test("two syncs with the same expired token refresh once (kv lock); both succeed", async () => {
  const expired = remember(token("x-expired"));
  const refresh = remember(token("x-refresh"));
  h.x.tokens.grant("unrelated-2", refresh);
  const acc = await h.addAccount("twitter", "race", { accessToken: expired, refreshToken: refresh });
  h.x.tweets.set("race-1", {
    id: "race-1",
    text: "t",
    public_metrics: { like_count: 1, reply_count: 0, retweet_count: 0, quote_count: 0, impression_count: 5 },
  });
  await h.addPost(acc, "race-1");
  const before = h.x.requests.filter((r) => r.path === "/2/oauth2/token").length;
  const [a, b] = await Promise.all([h.sync(acc.id), h.sync(acc.id)]);
  expect([a.status, b.status]).toEqual([200, 200]);
  expect(h.x.requests.filter((r) => r.path === "/2/oauth2/token").length - before).toBe(1);
  const stored = await decryptTokens(h.cipher, await account(acc.id));
  remember(stored.accessToken);
  remember(stored.refreshToken!);
});

test("refresh refused → needs_reauth, exactly one notification, 422 account_needs_reauth; later syncs skip", async () => {
  const expired = remember(token("li-expired"));
  const deadRefresh = remember(token("li-dead-refresh"));
  const acc = await h.addAccount("linkedin", "urn:li:organization:99", {
    accessToken: expired,
    refreshToken: deadRefresh,
  });
  await h.addPost(acc, "urn:li:share:99");

  const res = await h.sync(acc.id);
  expect(res.status).toBe(422);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("account_needs_reauth");
  expect((await account(acc.id)).status).toBe("needs_reauth");
  expect(await reauthNotifications(acc.id)).toHaveLength(1);
  expect(h.li.requests.some((r) => r.path === "/oauth/v2/accessToken")).toBe(true);

  const calls = h.li.requests.length;
  const again = await h.sync(acc.id);
  expect(again.status).toBe(200);
  expect(await again.json()).toMatchObject({ skipped: "needs_reauth" });
  expect(h.li.requests.length).toBe(calls);
  expect(await reauthNotifications(acc.id)).toHaveLength(1);
});

test("Graph error 190 (no refresh grant) → needs_reauth + one notification + 422, even with two syncs at once", async () => {
  const expired = remember(token("fb-expired"));
  const acc = await h.addAccount("facebook", "190-page", { accessToken: expired });
  h.fb.posts.set("190-page_1", { reactions: 1, comments: 0, shares: 0, impressions: 10, clicks: 0 });
  await h.addPost(acc, "190-page_1");
  const results = await Promise.all([h.sync(acc.id), h.sync(acc.id)]);
  for (const r of results) expect(r.status).not.toBe(401);
  expect(results.map((r) => r.status)).toContain(422);
  expect(await reauthNotifications(acc.id)).toHaveLength(1);
  const [n] = await reauthNotifications(acc.id);
  expect(n).toMatchObject({ userId: h.userId, orgId: h.orgId, kind: "account_needs_reauth" });
});

test("tokens are never in plain text in the database nor in the logs", async () => {
  const rows = await h.db.db.select().from(socialAccounts).where(eq(socialAccounts.orgId, h.orgId));
  expect(rows.length).toBeGreaterThan(0);
  const dump = JSON.stringify(rows);
  const notes = JSON.stringify(
    await h.db.db.select().from(notifications).where(eq(notifications.orgId, h.orgId)),
  );
  // Raw SQL too: every column as Postgres stores it, not as drizzle maps it.
  const raw = (await h.db.db.execute(sql`select * from social_accounts`)) as unknown as { rows: unknown[] };
  const everything = JSON.stringify(raw.rows);
  for (const t of everyToken) {
    expect(dump).not.toContain(t);
    expect(everything).not.toContain(t);
    expect(notes).not.toContain(t);
    for (const line of h.logs) expect(line).not.toContain(t);
  }
  for (const r of rows) expect(r.accessTokenEnc).toMatch(/^v1\.k2\./);
});

test("a ciphertext copied to another account's row does not decrypt there", async () => {
  const at = remember(token("x-own"));
  h.x.tokens.grant(at);
  const victim = await h.addAccount("twitter", "victim", { accessToken: at });
  const thief = await h.addAccount("twitter", "thief", { accessToken: remember(token("x-thief")) });
  await h.addPost(thief, "DOC-1");
  await h.db.db
    .update(socialAccounts)
    .set({ accessTokenEnc: victim.accessTokenEnc })
    .where(eq(socialAccounts.id, thief.id));
  const res = await h.sync(thief.id);
  expect(res.status).toBe(422);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("token_unreadable");
});
