// Social accounts, tracked posts, their metric snapshots and insights for the API: always scoped to an
// organization, newest-first keyset pages (createdAt, id).
import { and, desc, eq, inArray, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "../client.js";
import { contentItems, insights, postMetrics, posts, socialAccounts } from "../schema.js";

export type SocialAccountRow = typeof socialAccounts.$inferSelect;
export type PostRow = typeof posts.$inferSelect;
export type PostMetricRow = typeof postMetrics.$inferSelect;
type Cursor = { createdAt: Date; id: string };

function before(table: typeof posts | typeof socialAccounts, c: Cursor | undefined): SQL | undefined {
  if (!c) return undefined;
  return or(lt(table.createdAt, c.createdAt), and(eq(table.createdAt, c.createdAt), lt(table.id, c.id)));
}

export async function getSocialAccount(db: Db, orgId: string, id: string): Promise<SocialAccountRow | null> {
  const [row] = await db
    .select()
    .from(socialAccounts)
    .where(and(eq(socialAccounts.id, id), eq(socialAccounts.orgId, orgId)));
  return row ?? null;
}

export async function listSocialAccounts(
  db: Db,
  f: { orgId: string; userId?: string; platform?: string; limit: number; cursor?: Cursor },
): Promise<SocialAccountRow[]> {
  const conds = [eq(socialAccounts.orgId, f.orgId), before(socialAccounts, f.cursor)];
  if (f.userId) conds.push(eq(socialAccounts.userId, f.userId));
  if (f.platform) conds.push(eq(socialAccounts.platform, f.platform));
  return db
    .select()
    .from(socialAccounts)
    .where(and(...conds))
    .orderBy(desc(socialAccounts.createdAt), desc(socialAccounts.id))
    .limit(f.limit);
}

export async function deleteSocialAccount(db: Db, orgId: string, id: string): Promise<boolean> {
  const gone = await db
    .delete(socialAccounts)
    .where(and(eq(socialAccounts.id, id), eq(socialAccounts.orgId, orgId)))
    .returning({ id: socialAccounts.id });
  return gone.length > 0;
}

export async function contentItemExists(db: Db, orgId: string, id: string): Promise<{ text: string } | null> {
  const [row] = await db
    .select({ text: contentItems.text })
    .from(contentItems)
    .where(and(eq(contentItems.id, id), eq(contentItems.orgId, orgId)));
  return row ?? null;
}

/** Inserts the post, or returns the one already tracked for (account, external id) with `created` false. */
export async function insertPost(
  db: Db,
  row: typeof posts.$inferInsert,
): Promise<{ post: PostRow; created: boolean }> {
  const [inserted] = await db
    .insert(posts)
    .values(row)
    .onConflictDoNothing({ target: [posts.socialAccountId, posts.externalPostId] })
    .returning();
  if (inserted) return { post: inserted, created: true };
  const [existing] = await db
    .select()
    .from(posts)
    .where(and(eq(posts.socialAccountId, row.socialAccountId), eq(posts.externalPostId, row.externalPostId)));
  return { post: existing!, created: false };
}

export async function getPost(db: Db, orgId: string, id: string): Promise<PostRow | null> {
  const [row] = await db
    .select()
    .from(posts)
    .where(and(eq(posts.id, id), eq(posts.orgId, orgId)));
  return row ?? null;
}

export async function listPosts(
  db: Db,
  f: {
    orgId: string;
    userId?: string;
    platform?: string;
    socialAccountId?: string;
    limit: number;
    cursor?: Cursor;
  },
): Promise<PostRow[]> {
  const conds = [eq(posts.orgId, f.orgId), before(posts, f.cursor)];
  if (f.userId) conds.push(eq(posts.userId, f.userId));
  if (f.platform) conds.push(eq(posts.platform, f.platform));
  if (f.socialAccountId) conds.push(eq(posts.socialAccountId, f.socialAccountId));
  return db
    .select()
    .from(posts)
    .where(and(...conds))
    .orderBy(desc(posts.createdAt), desc(posts.id))
    .limit(f.limit);
}

/** The latest snapshot of each post in `postIds`. */
export async function latestMetrics(db: Db, postIds: string[]): Promise<Map<string, PostMetricRow>> {
  if (!postIds.length) return new Map();
  const rows = await db
    .selectDistinctOn([postMetrics.postId])
    .from(postMetrics)
    .where(inArray(postMetrics.postId, postIds))
    .orderBy(postMetrics.postId, desc(postMetrics.capturedAt));
  return new Map(rows.map((r) => [r.postId, r]));
}

/** A post's snapshots, oldest first (the most recent `limit`). */
export async function metricSeries(db: Db, postId: string, limit: number): Promise<PostMetricRow[]> {
  const recent = await db
    .select()
    .from(postMetrics)
    .where(eq(postMetrics.postId, postId))
    .orderBy(desc(postMetrics.capturedAt), desc(postMetrics.id))
    .limit(limit);
  return recent.reverse();
}

export async function getInsights(db: Db, orgId: string, userId: string) {
  const [row] = await db
    .select()
    .from(insights)
    .where(and(eq(insights.orgId, orgId), eq(insights.userId, userId)));
  return row ?? null;
}
