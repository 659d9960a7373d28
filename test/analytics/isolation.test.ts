// Isolation: a platform that is down (5xx) answers 503 for its own sync only (the relay retries that job
// with backoff) while another platform's sync, running at the same time, completes.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { socialAccounts } from "../../db/schema.js";
import { type Harness, startHarness, token } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

test("LinkedIn and Instagram down (5xx) → 503 for them; X syncs fine at the same time", async () => {
  const liToken = token("li");
  h.li.tokens.grant(liToken);
  const li = await h.addAccount("linkedin", "urn:li:organization:5", { accessToken: liToken });
  await h.addPost(li, "urn:li:share:5");
  const igToken = token("ig");
  h.ig.tokens.grant(igToken);
  const ig = await h.addAccount("instagram", "ig-5", { accessToken: igToken });
  await h.addPost(ig, "m-5");
  const xToken = token("x");
  h.x.tokens.grant(xToken);
  const x = await h.addAccount("twitter", "x-5", { accessToken: xToken });
  h.x.tweets.set("x-5-1", {
    id: "x-5-1",
    text: "up",
    public_metrics: { like_count: 5, reply_count: 0, retweet_count: 0, quote_count: 0, impression_count: 50 },
  });
  await h.addPost(x, "x-5-1");

  h.li.down = true;
  h.ig.down = true;
  const [liRes, igRes, xRes] = await Promise.all([h.sync(li.id), h.sync(ig.id), h.sync(x.id)]);
  h.li.down = false;
  h.ig.down = false;

  expect(liRes.status).toBe(503);
  expect(((await liRes.json()) as { error: { code: string } }).error.code).toBe("platform_unavailable");
  expect(igRes.status).toBe(503);
  expect(xRes.status).toBe(200);
  const [liRow] = await h.db.db.select().from(socialAccounts).where(eq(socialAccounts.id, li.id));
  expect(liRow).toMatchObject({ status: "active", lastSyncAt: null });
  expect(liRow!.lastError).toMatch(/linkedin answered 503/);

  // Down is not rate limited: no pause was recorded, the retry calls LinkedIn again and succeeds.
  h.li.shareStats.set("urn:li:share:5", {
    uniqueImpressionsCount: 1,
    shareCount: 0,
    engagement: 0,
    clickCount: 0,
    likeCount: 1,
    impressionCount: 10,
    commentCount: 0,
  });
  const retry = await h.sync(li.id);
  expect(retry.status).toBe(200);
  const [after] = await h.db.db.select().from(socialAccounts).where(eq(socialAccounts.id, li.id));
  expect(after!.lastError).toBeNull();
});

test("an unreachable platform (connection refused) is a 503 too", async () => {
  const at = token("x");
  const acc = await h.addAccount("twitter", "x-unreachable", { accessToken: at });
  await h.addPost(acc, "u-1");
  await h.x.close();
  const res = await h.sync(acc.id);
  expect(res.status).toBe(503);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("platform_unreachable");
});
