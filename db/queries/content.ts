// The content library (content_items): newest-first pages and single items, always scoped to an organization.
import { and, desc, eq, lt, or } from "drizzle-orm";
import type { Db } from "../client.js";
import { contentItems } from "../schema.js";

export type ContentRow = typeof contentItems.$inferSelect;

export async function listContent(
  db: Db,
  f: {
    orgId: string;
    userId?: string;
    jobId?: string;
    platform?: string;
    limit: number;
    cursor?: { createdAt: Date; id: string };
  },
): Promise<ContentRow[]> {
  const conds = [eq(contentItems.orgId, f.orgId)];
  if (f.userId) conds.push(eq(contentItems.userId, f.userId));
  if (f.jobId) conds.push(eq(contentItems.jobId, f.jobId));
  if (f.platform) conds.push(eq(contentItems.platform, f.platform));
  if (f.cursor) {
    const c = or(
      lt(contentItems.createdAt, f.cursor.createdAt),
      and(eq(contentItems.createdAt, f.cursor.createdAt), lt(contentItems.id, f.cursor.id)),
    );
    if (c) conds.push(c);
  }
  return db
    .select()
    .from(contentItems)
    .where(and(...conds))
    .orderBy(desc(contentItems.createdAt), desc(contentItems.id))
    .limit(f.limit);
}

/** The item, or null when it does not exist or belongs to another organization. */
export async function getContent(db: Db, orgId: string, id: string): Promise<ContentRow | null> {
  const [row] = await db
    .select()
    .from(contentItems)
    .where(and(eq(contentItems.id, id), eq(contentItems.orgId, orgId)))
    .limit(1);
  return row ?? null;
}
