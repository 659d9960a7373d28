// analytics-sync through the real service: API → BullMQ → relay → signed HTTP → handler → Postgres. The
// relay sees the handler's answers: a completed sync, a platform down (retrying, only that job), a dead
// refresh token (failed now with account_needs_reauth, never a signature retry).
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { notifications, posts } from "../../db/schema.js";
import { createSocialAccount } from "../../handlers/analytics-sync/accounts.js";
import { analyticsSync } from "../../handlers/analytics-sync/index.js";
import { createTokenCipher } from "../../handlers/analytics-sync/token-crypto.js";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { newId } from "../../handlers/kit/ids.js";
import { type FakeLinkedIn, startFakeLinkedIn } from "../fakes/platforms/linkedin.js";
import { type FakeX, startFakeX } from "../fakes/platforms/x.js";
import { eventually } from "../helpers/eventually.js";
import { jobOf, startTestService, type TestService } from "../helpers/service.js";

const KEYS = `k1:${randomBytes(32).toString("base64")}`;
let t: TestService;
let x: FakeX;
let li: FakeLinkedIn;

beforeAll(async () => {
  [x, li] = await Promise.all([startFakeX(), startFakeLinkedIn()]);
  t = await startTestService({
    catalog: createCatalog([analyticsSync]),
    env: {
      TOKEN_ENCRYPTION_KEYS: KEYS,
      X_API_BASE_URL: x.url,
      X_CLIENT_ID: "client",
      LINKEDIN_API_BASE_URL: li.url,
      LINKEDIN_OAUTH_BASE_URL: li.url,
      LINKEDIN_CLIENT_ID: "li-client",
      LINKEDIN_CLIENT_SECRET: "li-secret",
      // The fakes listen on 127.0.0.1; production platform hosts are public.
      SCRAPER_ALLOW_PRIVATE_NETWORKS: "true",
    },
  });
});
afterAll(async () => {
  await t.stop();
  await Promise.all([x.close(), li.close()]);
});

async function account(
  platform: "twitter" | "linkedin",
  ext: string,
  tokens: { accessToken: string; refreshToken?: string },
  postId: string,
) {
  const row = await createSocialAccount(t.db.db, createTokenCipher(KEYS), {
    orgId: t.orgId,
    userId: "u1",
    platform,
    externalAccountId: ext,
    ...tokens,
  });
  await t.db.db.insert(posts).values({
    id: newId("post"),
    orgId: t.orgId,
    userId: "u1",
    socialAccountId: row.id,
    platform,
    externalPostId: postId,
    publishedAt: new Date(),
  });
  return row;
}

async function enqueue(socialAccountId: string): Promise<string> {
  const res = await t.api("/v1/jobs", {
    method: "POST",
    json: { type: "analytics-sync", userId: "u1", payload: { socialAccountId } },
  });
  if (res.status !== 202)
    throw new Error(
      `enqueue answered ${res.status}: ${await res.text()} ${t.logs.filter((l) => /"level":"(warn|error)"/.test(l)).join("\n")}`,
    );
  return ((await res.json()) as { job: { id: string } }).job.id;
}

test("X syncs to completion while LinkedIn is down (its job retries); a dead refresh token fails at once", async () => {
  const at = `x-${randomBytes(8).toString("hex")}`;
  x.tokens.grant(at);
  x.tweets.set("p-1", {
    id: "p-1",
    text: "hi",
    public_metrics: { like_count: 3, reply_count: 1, retweet_count: 0, quote_count: 0, impression_count: 40 },
  });
  const xAcc = await account("twitter", "x-pipe", { accessToken: at }, "p-1");
  const liToken = `li-${randomBytes(8).toString("hex")}`;
  li.tokens.grant(liToken);
  const liAcc = await account(
    "linkedin",
    "urn:li:organization:8",
    { accessToken: liToken },
    "urn:li:share:8",
  );
  const dead = await account(
    "twitter",
    "x-dead",
    { accessToken: "expired-x", refreshToken: "revoked-refresh" },
    "p-2",
  );

  li.down = true;
  const [xJob, liJob, deadJob] = [await enqueue(xAcc.id), await enqueue(liAcc.id), await enqueue(dead.id)];

  const done = await eventually(async () => {
    const j = await jobOf(t, xJob);
    return j.status === "completed" ? j : null;
  });
  expect(done.result).toMatchObject({ platform: "twitter", snapshots: 1 });
  const retrying = await eventually(async () => {
    const j = await jobOf(t, liJob);
    return j.status === "retrying" ? j : null;
  });
  expect(retrying.error?.code).toBe("platform_unavailable");
  const failed = await eventually(async () => {
    const j = await jobOf(t, deadJob);
    return j.status === "failed" ? j : null;
  });
  expect(failed).toMatchObject({ attempts: 1, error: { code: "account_needs_reauth" } });
  const notes = await eventually(async () => {
    const rows = await t.db.db.select().from(notifications).where(eq(notifications.jobId, deadJob));
    return rows.length ? rows : null;
  });
  // The handler's own notification, once (the relay's generic job_failed one is the lead's to deduplicate).
  expect(notes.filter((n) => n.kind === "account_needs_reauth")).toHaveLength(1);

  li.down = false;
  li.shareStats.set("urn:li:share:8", {
    uniqueImpressionsCount: 1,
    shareCount: 0,
    engagement: 0,
    clickCount: 0,
    likeCount: 2,
    impressionCount: 20,
    commentCount: 0,
  });
  const recovered = await eventually(
    async () => {
      const j = await jobOf(t, liJob);
      return j.status === "completed" ? j : null;
    },
    { timeoutMs: 15_000 },
  );
  expect(recovered.attempts).toBeGreaterThanOrEqual(2);
  for (const line of t.logs) {
    expect(line).not.toContain(at);
    expect(line).not.toContain(liToken);
    expect(line).not.toContain("revoked-refresh");
  }
});

test("a sync that spends the account's X limit holds its next sync in the relay until the reset, without calling X", async () => {
  const [held, free] = ["x-held", "x-free"].map((l) => `${l}-${randomBytes(6).toString("hex")}`);
  for (const at of [held!, free!]) x.tokens.grant(at);
  x.tweets.set("p-q", {
    id: "p-q",
    text: "q",
    public_metrics: { like_count: 1, reply_count: 0, retweet_count: 0, quote_count: 0, impression_count: 4 },
  });
  const limited = await account("twitter", "x-limited", { accessToken: held! }, "p-q");
  const other = await account("twitter", "x-other", { accessToken: free! }, "p-q");
  x.remaining = 0; // the answer's x-rate-limit-remaining: nothing left until x-rate-limit-reset (15 min)
  const first = await enqueue(limited.id);
  await eventually(async () => (await jobOf(t, first)).status === "completed");
  x.remaining = 899;
  const calls = x.requests.length;
  const next = await enqueue(limited.id);
  const parked = await eventually(
    async () => {
      const j = (await (await t.api(`/v1/jobs/${next}`)).json()) as {
        job: {
          status: string;
          attempts: number;
          waitingOn: { reason: string; key: string; until?: string } | null;
        };
      };
      return j.job.waitingOn ? j.job : null;
    },
    { timeoutMs: 15_000 },
  );
  expect(parked).toMatchObject({
    status: "queued",
    attempts: 0,
    waitingOn: { reason: "quota", key: `account:${limited.id}:twitter` },
  });
  expect(Date.parse(parked.waitingOn!.until!) - Date.now()).toBeGreaterThan(800_000);
  // Another account's limit is its own.
  const otherJob = await enqueue(other.id);
  await eventually(async () => (await jobOf(t, otherJob)).status === "completed");
  expect(x.requests.length - calls).toBe(1);
});
