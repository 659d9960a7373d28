// Brand brain: per platform average engagement, best weekday and hour (UTC), top posts and hashtags (from
// the post text and the linked content item), and the overall 30-day trend, stored per user after a sync.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { contentItems, insights } from "../../db/schema.js";
import { computeInsights, type PostPerformance } from "../../handlers/analytics-sync/insights.js";
import { engagementRate } from "../../handlers/analytics-sync/metrics.js";
import { type Harness, startHarness, token } from "./harness.js";

const DAY = 86_400_000;

test("engagement rate = (likes + comments + shares) / impressions, null when impressions are 0", () => {
  expect(engagementRate({ likes: 5, comments: 3, shares: 2, impressions: 100 })).toBe(0.1);
  expect(engagementRate({ likes: 5, comments: 3, shares: 2, impressions: 0 })).toBeNull();
});

test("trend: recent 30 days vs the 30 before", () => {
  const now = new Date("2026-06-30T12:00:00Z");
  const p = (daysAgo: number, rate: number): PostPerformance => ({
    postId: `p${daysAgo}`,
    platform: "twitter",
    externalPostId: `e${daysAgo}`,
    text: null,
    publishedAt: new Date(now.getTime() - daysAgo * DAY),
    hashtags: [],
    likes: 0,
    comments: 0,
    shares: 0,
    impressions: 100,
    engagementRate: rate,
  });
  expect(computeInsights([p(5, 0.1), p(40, 0.05)], now).overall.trend).toMatchObject({
    direction: "up",
    change: 1,
  });
  expect(computeInsights([p(5, 0.05), p(40, 0.1)], now).overall.trend.direction).toBe("down");
  expect(computeInsights([p(5, 0.1)], now).overall.trend.direction).toBe("unknown");
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

test("a sync recomputes the user's insights from the latest snapshots", async () => {
  const at = token("x");
  h.x.tokens.grant(at);
  const acc = await h.addAccount("twitter", "brand", { accessToken: at });
  await h.db.db.insert(contentItems).values({
    id: "ci_1",
    orgId: h.orgId,
    userId: h.userId,
    jobId: "job_gen",
    platform: "twitter",
    text: "Generated post",
    hashtags: ["#AI", "marketing"],
    generator: "offline",
  });
  const tuesday9 = new Date("2026-11-24T09:15:00Z"); // a Tuesday
  const friday17 = new Date("2026-11-20T17:40:00Z"); // a Friday
  const posts = [
    { id: "b1", at: tuesday9, text: "Tips #growth #AI", likes: 40, impressions: 400 }, // 0.10
    { id: "b2", at: tuesday9, text: null, likes: 30, impressions: 200, content: "ci_1" }, // 0.15, #ai #marketing
    { id: "b3", at: friday17, text: "Weekend #growth", likes: 2, impressions: 200 }, // 0.01
  ];
  for (const p of posts) {
    h.x.tweets.set(p.id, {
      id: p.id,
      text: p.text ?? "",
      public_metrics: {
        like_count: p.likes,
        reply_count: 0,
        retweet_count: 0,
        quote_count: 0,
        impression_count: p.impressions,
      },
    });
    await h.addPost(acc, p.id, { publishedAt: p.at, text: p.text ?? undefined, contentItemId: p.content });
  }
  expect((await h.sync(acc.id)).status).toBe(200);

  const [row] = await h.db.db
    .select()
    .from(insights)
    .where(and(eq(insights.orgId, h.orgId), eq(insights.userId, h.userId)));
  const tw = (row!.data as { platforms: Record<string, Record<string, unknown>> }).platforms.twitter!;
  expect(tw.posts).toBe(3);
  expect(tw.avgEngagementRate as number).toBeCloseTo((0.1 + 0.15 + 0.01) / 3, 10);
  expect(tw.bestWeekday).toMatchObject({ weekday: "Tuesday", posts: 2 });
  expect(tw.bestHour).toMatchObject({ hour: 9, posts: 2 });
  expect((tw.topPosts as Array<{ externalPostId: string }>).map((p) => p.externalPostId)).toEqual([
    "b2",
    "b1",
    "b3",
  ]);
  const tags = tw.topHashtags as Array<{ tag: string; posts: number; avgEngagementRate: number }>;
  // Ranked by average engagement: #marketing (0.15, one post), then #ai (0.10 and 0.15).
  expect(tags.map((t) => t.tag)).toEqual(["marketing", "ai", "growth"]);
  expect(tags[1]).toMatchObject({ tag: "ai", posts: 2 });
  expect(tags[1]!.avgEngagementRate).toBeCloseTo(0.125, 10);
  expect(tags.find((t) => t.tag === "growth")).toMatchObject({ posts: 2 });
  expect(tags.find((t) => t.tag === "marketing")).toMatchObject({ posts: 1 });
});
