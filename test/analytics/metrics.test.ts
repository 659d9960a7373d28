// Analytics sync, end to end at the handler: each platform's documented metrics become one snapshot per
// post per job with the right engagement rate, batches respect the platforms' limits, re-delivery writes once.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { insights, postMetrics } from "../../db/schema.js";
import { DOC_ORGANIZATION } from "../fakes/platforms/linkedin.js";
import { DOC_EXAMPLE_POST } from "../fakes/platforms/x.js";
import { type Harness, startHarness, token } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function snapshotsOf(externalPostId: string) {
  const postId = await h.postIdOf(externalPostId);
  return h.db.db.select().from(postMetrics).where(eq(postMetrics.postId, postId));
}

describe("metrics per platform", () => {
  test("X: public and non-public metrics → snapshot; re-delivery of the same job writes once", async () => {
    const at = token("x-access");
    h.x.tokens.grant(at);
    const account = await h.addAccount("twitter", "2244994945", { accessToken: at });
    await h.addPost(account, DOC_EXAMPLE_POST.id);
    h.x.tweets.set("1700000000000000001", {
      id: "1700000000000000001",
      text: "Launch day #buildinpublic",
      public_metrics: {
        retweet_count: 3,
        reply_count: 2,
        like_count: 15,
        quote_count: 0,
        bookmark_count: 4,
        impression_count: 0,
      },
      non_public_metrics: { impression_count: 400, url_link_clicks: 12, user_profile_clicks: 3 },
    });
    await h.addPost(account, "1700000000000000001");

    const res = await h.sync(account.id, { jobId: "job_x_1" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ platform: "twitter", posts: 2, snapshots: 2, missing: [] });

    const [doc] = await snapshotsOf(DOC_EXAMPLE_POST.id);
    // The quickstart's example: shares = retweets + quotes (X's "Retweets and comments", 156 + 12); the
    // example has no impression_count or bookmark_count → 0 impressions, no saves, no rate.
    expect(doc).toMatchObject({
      likes: 892,
      comments: 23,
      shares: 168,
      impressions: 0,
      saves: null,
      clicks: null,
      engagementRate: null,
    });
    const [own] = await snapshotsOf("1700000000000000001");
    expect(own).toMatchObject({ likes: 15, comments: 2, shares: 3, impressions: 400, clicks: 12, saves: 4 });
    expect(own!.engagementRate).toBeCloseTo(20 / 400, 10);

    const again = await h.sync(account.id, { jobId: "job_x_1", attempt: 2 });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ snapshots: 0 });
    expect(await snapshotsOf(DOC_EXAMPLE_POST.id)).toHaveLength(1);

    const next = await h.sync(account.id, { jobId: "job_x_2" });
    expect(next.status).toBe(200);
    expect(await snapshotsOf(DOC_EXAMPLE_POST.id)).toHaveLength(2);
  });

  test("X: 150 posts are fetched in batches of at most 100 ids; non-public refusal falls back to public metrics", async () => {
    const at = token("x-access");
    h.x.tokens.grant(at);
    const account = await h.addAccount("twitter", "batch-user", { accessToken: at });
    for (let i = 0; i < 150; i++) {
      const id = String(1800000000000000000n + BigInt(i));
      h.x.tweets.set(id, {
        id,
        text: `post ${i}`,
        public_metrics: {
          retweet_count: 1,
          reply_count: 1,
          like_count: 8,
          quote_count: 0,
          impression_count: 100,
        },
      });
      await h.addPost(account, id);
    }
    h.x.denyNonPublic = true;
    const before = h.x.requests.length;
    const res = await h.sync(account.id);
    h.x.denyNonPublic = false;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ posts: 150, snapshots: 150 });
    const lookups = h.x.requests.slice(before).filter((r) => r.path === "/2/tweets");
    expect(lookups.map((r) => r.query.get("ids")!.split(",").length)).toEqual([100, 100, 50, 50]);
    expect(lookups.map((r) => r.query.get("tweet.fields"))).toEqual([
      "public_metrics,non_public_metrics",
      "public_metrics",
      "public_metrics,non_public_metrics",
      "public_metrics",
    ]);
    const [snap] = await snapshotsOf("1800000000000000007");
    expect(snap!.engagementRate).toBeCloseTo(10 / 100, 10);
  });

  test("LinkedIn organization: share statistics (likes, comments, shares, impressions, clicks)", async () => {
    const at = token("li-access");
    h.li.tokens.grant(at);
    const account = await h.addAccount("linkedin", DOC_ORGANIZATION, { accessToken: at });
    // urn:li:share:1000000 and 1000001 answer with the documented example (DOC_SPECIFIC_SHARES_EXAMPLE).
    h.li.shareStats.set("urn:li:ugcPost:6844785523593134081", {
      uniqueImpressionsCount: 0,
      shareCount: 0,
      engagement: 0,
      clickCount: 0,
      likeCount: 0,
      impressionCount: 0,
      commentCount: 0,
    });
    await h.addPost(account, "urn:li:share:1000000");
    await h.addPost(account, "urn:li:share:1000001");
    await h.addPost(account, "urn:li:ugcPost:6844785523593134081");
    const res = await h.sync(account.id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ posts: 3, snapshots: 3, missing: [] });
    const [share] = await snapshotsOf("urn:li:share:1000000");
    expect(share).toMatchObject({
      likes: 14,
      comments: 24,
      shares: 5,
      impressions: 5287,
      clicks: 78,
      saves: null,
    });
    // Our rate leaves clicks out, unlike LinkedIn's `engagement` (121 / 5287).
    expect(share!.engagementRate).toBeCloseTo((14 + 24 + 5) / 5287, 10);
    const [clickOnly] = await snapshotsOf("urn:li:share:1000001");
    expect(clickOnly).toMatchObject({ likes: 0, comments: 0, shares: 0, impressions: 5, clicks: 1 });
    expect(clickOnly!.engagementRate).toBe(0);
    const [empty] = await snapshotsOf("urn:li:ugcPost:6844785523593134081");
    expect(empty!.engagementRate).toBeNull();
    const call = h.li.requests.find((r) => r.path === "/rest/organizationalEntityShareStatistics")!;
    expect(call.headers["linkedin-version"]).toBe(h.config.LINKEDIN_API_VERSION);
    expect(call.headers["x-restli-protocol-version"]).toBe("2.0.0");
    // The documented request: shares=List(urn%3Ali%3Ashare%3A1000000,urn%3Ali%3Ashare%3A1000001).
    expect(call.query.get("shares")).toMatch(/^List\(.+\)$/);
    expect(call.query.get("shares")!.slice(5, -1).split(",").sort()).toEqual([
      "urn:li:share:1000000",
      "urn:li:share:1000001",
    ]);
  });

  test("LinkedIn member: social actions give likes and comments, no impressions → null rate", async () => {
    const at = token("li-access");
    h.li.tokens.grant(at);
    const account = await h.addAccount("linkedin", "urn:li:person:abc123", { accessToken: at });
    h.li.socialActions.set("urn:li:share:7000000000000000001", { likes: 9, comments: 2 });
    await h.addPost(account, "urn:li:share:7000000000000000001");
    expect((await h.sync(account.id)).status).toBe(200);
    const [snap] = await snapshotsOf("urn:li:share:7000000000000000001");
    expect(snap).toMatchObject({ likes: 9, comments: 2, impressions: 0, engagementRate: null });
  });

  test("Facebook: reactions, comments, shares and post insights in one batched Graph read", async () => {
    const at = token("fb-access");
    h.fb.tokens.grant(at);
    const account = await h.addAccount("facebook", "104123456789", { accessToken: at });
    h.fb.posts.set("104123456789_555", {
      reactions: 40,
      comments: 8,
      shares: 2,
      impressions: 2500,
      clicks: 90,
    });
    h.fb.posts.set("104123456789_556", { reactions: 1, comments: 0, shares: 0, impressions: 50, clicks: 1 });
    await h.addPost(account, "104123456789_555");
    await h.addPost(account, "104123456789_556");
    const before = h.fb.requests.length;
    expect((await h.sync(account.id)).status).toBe(200);
    expect(h.fb.requests.length - before).toBe(1);
    expect(h.fb.requests.at(-1)!.query.get("access_token")).toBeNull();
    const [snap] = await snapshotsOf("104123456789_555");
    expect(snap).toMatchObject({
      likes: 40,
      comments: 8,
      shares: 2,
      impressions: 2500,
      clicks: 90,
      saves: null,
    });
    expect(snap!.engagementRate).toBeCloseTo(50 / 2500, 10);
  });

  test("Instagram: media insights (likes, comments, shares, saved, views)", async () => {
    const at = token("ig-access");
    h.ig.tokens.grant(at);
    const account = await h.addAccount("instagram", "17841405822304914", { accessToken: at });
    h.ig.media.set("17895695668004550", {
      likes: 120,
      comments: 14,
      shares: 6,
      saved: 22,
      reach: 1500,
      views: 2000,
    });
    await h.addPost(account, "17895695668004550");
    await h.addPost(account, "17895695668009999"); // deleted on Instagram: skipped, not fatal
    const res = await h.sync(account.id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ snapshots: 1, missing: ["17895695668009999"] });
    const [snap] = await snapshotsOf("17895695668004550");
    expect(snap).toMatchObject({
      likes: 120,
      comments: 14,
      shares: 6,
      impressions: 2000,
      saves: 22,
      clicks: null,
    });
    expect(snap!.engagementRate).toBeCloseTo(140 / 2000, 10);
  });

  test("each sync leaves the user's insights computed", async () => {
    const [row] = await h.db.db
      .select()
      .from(insights)
      .where(and(eq(insights.orgId, h.orgId), eq(insights.userId, h.userId)));
    const data = row!.data as { platforms: Record<string, { avgEngagementRate: number | null }> };
    expect(Object.keys(data.platforms).sort()).toEqual(["facebook", "instagram", "linkedin", "twitter"]);
    expect(data.platforms.instagram!.avgEngagementRate).toBeCloseTo(140 / 2000, 10);
  });
});
