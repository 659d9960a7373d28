// Brand brain: after each sync, the user's insights are recomputed from every tracked post's latest
// snapshot and upserted into `insights` (one row per org + user): per platform the average engagement rate,
// best weekday and hour to post (UTC), top posts and hashtags; overall the 30-day trend. Content generation reads it.
import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { contentItems, insights, postMetrics, posts } from "../../db/schema.js";

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const DAY_MS = 86_400_000;
/** Relative change under which the trend is "flat". */
const FLAT_BAND = 0.05;

export interface PostPerformance {
  postId: string;
  platform: string;
  externalPostId: string;
  text: string | null;
  publishedAt: Date;
  hashtags: string[];
  likes: number;
  comments: number;
  shares: number;
  impressions: number;
  engagementRate: number | null;
}

const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const rated = (ps: PostPerformance[]) => ps.filter((p) => p.engagementRate !== null);
const rates = (ps: PostPerformance[]) => rated(ps).map((p) => p.engagementRate!);

export function hashtagsOf(text: string | null, extra: readonly string[] = []): string[] {
  const found = [...(text ?? "").matchAll(/#([\p{L}\p{N}_]+)/gu)].map((m) => m[1]!);
  return [...new Set([...found, ...extra].map((t) => t.replace(/^#/, "").toLowerCase()).filter(Boolean))];
}

function best<K extends string | number>(ps: PostPerformance[], keyOf: (p: PostPerformance) => K) {
  const groups = new Map<K, number[]>();
  for (const p of rated(ps)) groups.set(keyOf(p), [...(groups.get(keyOf(p)) ?? []), p.engagementRate!]);
  let top: { key: K; avgEngagementRate: number; posts: number } | null = null;
  for (const [key, xs] of groups) {
    const a = avg(xs)!;
    if (!top || a > top.avgEngagementRate) top = { key, avgEngagementRate: a, posts: xs.length };
  }
  return top;
}

function topHashtags(ps: PostPerformance[], limit = 10) {
  const byTag = new Map<string, number[]>();
  for (const p of rated(ps))
    for (const t of p.hashtags) byTag.set(t, [...(byTag.get(t) ?? []), p.engagementRate!]);
  return [...byTag]
    .map(([tag, xs]) => ({ tag, posts: xs.length, avgEngagementRate: avg(xs)! }))
    .sort((a, b) => b.avgEngagementRate - a.avgEngagementRate || b.posts - a.posts)
    .slice(0, limit);
}

function topPosts(ps: PostPerformance[], limit = 5) {
  return rated(ps)
    .sort((a, b) => b.engagementRate! - a.engagementRate! || b.likes - a.likes)
    .slice(0, limit)
    .map((p) => ({
      postId: p.postId,
      externalPostId: p.externalPostId,
      engagementRate: p.engagementRate,
      likes: p.likes,
      comments: p.comments,
      shares: p.shares,
      impressions: p.impressions,
      publishedAt: p.publishedAt.toISOString(),
      text: p.text?.slice(0, 280) ?? null,
    }));
}

/** Recent 30 days vs the 30 before, by published date. */
function trend(ps: PostPerformance[], now: Date) {
  const t = now.getTime();
  const recent = avg(rates(ps.filter((p) => t - p.publishedAt.getTime() < 30 * DAY_MS)));
  const previous = avg(
    rates(
      ps.filter(
        (p) => t - p.publishedAt.getTime() >= 30 * DAY_MS && t - p.publishedAt.getTime() < 60 * DAY_MS,
      ),
    ),
  );
  if (recent === null || previous === null || previous === 0) {
    return {
      direction: "unknown" as const,
      recentAvgEngagementRate: recent,
      previousAvgEngagementRate: previous,
      change: null,
    };
  }
  const change = (recent - previous) / previous;
  const direction =
    Math.abs(change) < FLAT_BAND ? ("flat" as const) : change > 0 ? ("up" as const) : ("down" as const);
  return { direction, recentAvgEngagementRate: recent, previousAvgEngagementRate: previous, change };
}

/** Pure: the insights document for a user's posts. */
export function computeInsights(ps: PostPerformance[], now: Date) {
  const platforms: Record<string, unknown> = {};
  for (const platform of [...new Set(ps.map((p) => p.platform))].sort()) {
    const mine = ps.filter((p) => p.platform === platform);
    const day = best(mine, (p) => p.publishedAt.getUTCDay());
    const hour = best(mine, (p) => p.publishedAt.getUTCHours());
    platforms[platform] = {
      posts: mine.length,
      postsWithImpressions: rated(mine).length,
      avgEngagementRate: avg(rates(mine)),
      bestWeekday: day && {
        weekday: WEEKDAYS[day.key],
        avgEngagementRate: day.avgEngagementRate,
        posts: day.posts,
      },
      bestHour: hour && { hour: hour.key, avgEngagementRate: hour.avgEngagementRate, posts: hour.posts },
      topPosts: topPosts(mine),
      topHashtags: topHashtags(mine),
    };
  }
  return {
    timezone: "UTC",
    platforms,
    overall: {
      posts: ps.length,
      avgEngagementRate: avg(rates(ps)),
      topHashtags: topHashtags(ps),
      trend: trend(ps, now),
    },
  };
}

export type InsightsDocument = ReturnType<typeof computeInsights>;

/** Every tracked post of the user with its latest snapshot (posts without one count as unrated). */
export async function loadPerformance(db: Db, orgId: string, userId: string): Promise<PostPerformance[]> {
  const list = await db
    .select({
      postId: posts.id,
      platform: posts.platform,
      externalPostId: posts.externalPostId,
      text: posts.text,
      publishedAt: posts.publishedAt,
      hashtags: contentItems.hashtags,
    })
    .from(posts)
    .leftJoin(contentItems, eq(contentItems.id, posts.contentItemId))
    .where(and(eq(posts.orgId, orgId), eq(posts.userId, userId)));
  const latest = await db
    .selectDistinctOn([postMetrics.postId], {
      postId: postMetrics.postId,
      likes: postMetrics.likes,
      comments: postMetrics.comments,
      shares: postMetrics.shares,
      impressions: postMetrics.impressions,
      engagementRate: postMetrics.engagementRate,
    })
    .from(postMetrics)
    .innerJoin(posts, eq(posts.id, postMetrics.postId))
    .where(and(eq(posts.orgId, orgId), eq(posts.userId, userId)))
    .orderBy(postMetrics.postId, desc(postMetrics.capturedAt));
  const byPost = new Map(latest.map((m) => [m.postId, m]));
  return list.map((p) => {
    const m = byPost.get(p.postId);
    return {
      ...p,
      hashtags: hashtagsOf(p.text, p.hashtags ?? []),
      likes: m?.likes ?? 0,
      comments: m?.comments ?? 0,
      shares: m?.shares ?? 0,
      impressions: m?.impressions ?? 0,
      engagementRate: m?.engagementRate ?? null,
    };
  });
}

export async function recomputeInsights(
  db: Db,
  orgId: string,
  userId: string,
  now: Date,
): Promise<InsightsDocument> {
  const data = computeInsights(await loadPerformance(db, orgId, userId), now);
  await db
    .insert(insights)
    .values({ orgId, userId, data, computedAt: now })
    .onConflictDoUpdate({ target: [insights.orgId, insights.userId], set: { data, computedAt: now } });
  return data;
}
