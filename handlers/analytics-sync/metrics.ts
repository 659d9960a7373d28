// Metric snapshots: one post_metrics row per post per sync job (unique on post_id + job_id, so a
// re-delivered job writes once). Engagement rate = (likes + comments + shares) / impressions, null at 0.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { postMetrics, posts } from "../../db/schema.js";
import { newId } from "../kit/ids.js";
import type { RawMetrics } from "./platforms/types.js";

export function engagementRate(
  m: Pick<RawMetrics, "likes" | "comments" | "shares" | "impressions">,
): number | null {
  if (!m.impressions || m.impressions <= 0) return null;
  return (m.likes + m.comments + m.shares) / m.impressions;
}

const int = (n: number | null) => (n === null ? null : Math.max(0, Math.round(n)));

export interface TrackedPost {
  id: string;
  externalPostId: string;
  text: string | null;
}

/** Writes this job's snapshots; returns how many rows were new (0 on a re-delivery). */
export async function writeSnapshots(
  db: Db,
  opts: { jobId: string; capturedAt: Date; posts: readonly TrackedPost[]; metrics: Map<string, RawMetrics> },
): Promise<number> {
  const rows = opts.posts.flatMap((p) => {
    const m = opts.metrics.get(p.externalPostId);
    if (!m) return [];
    return [
      {
        id: newId("pm"),
        postId: p.id,
        jobId: opts.jobId,
        capturedAt: opts.capturedAt,
        likes: int(m.likes)!,
        comments: int(m.comments)!,
        shares: int(m.shares)!,
        impressions: int(m.impressions)!,
        clicks: int(m.clicks),
        saves: int(m.saves),
        engagementRate: engagementRate(m),
      },
    ];
  });
  if (!rows.length) return 0;
  const inserted = await db
    .insert(postMetrics)
    .values(rows)
    .onConflictDoNothing({ target: [postMetrics.postId, postMetrics.jobId] })
    .returning({ id: postMetrics.id });
  // Keep the platform's text where none was registered: the brand brain reads hashtags from it.
  for (const p of opts.posts) {
    const text = opts.metrics.get(p.externalPostId)?.text;
    if (text && !p.text)
      await db
        .update(posts)
        .set({ text })
        .where(and(eq(posts.id, p.id), isNull(posts.text)));
  }
  return inserted.length;
}

export async function loadTrackedPosts(db: Db, socialAccountId: string): Promise<TrackedPost[]> {
  return db
    .select({ id: posts.id, externalPostId: posts.externalPostId, text: posts.text })
    .from(posts)
    .where(eq(posts.socialAccountId, socialAccountId));
}
