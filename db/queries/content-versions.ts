// Versions of a content item: the item row holds the current text; content_versions keeps every text it has
// had once it was regenerated (version 1 = the original). A regenerate job writes its version once.
import { and, asc, eq, sql } from "drizzle-orm";
import { newId } from "../../handlers/kit/ids.js";
import type { Db } from "../client.js";
import { contentItems, contentVersions } from "../schema.js";
import type { ContentRow } from "./content.js";

export type ContentVersionRow = typeof contentVersions.$inferSelect;

/** The version a regenerate job already wrote for the item, or null. */
export async function versionOfJob(db: Db, itemId: string, jobId: string): Promise<ContentVersionRow | null> {
  const [row] = await db
    .select()
    .from(contentVersions)
    .where(and(eq(contentVersions.contentItemId, itemId), eq(contentVersions.jobId, jobId)))
    .limit(1);
  return row ?? null;
}

/**
 * Makes `next` the item's current text as a new version (keeping the original as version 1), in one
 * transaction; a re-delivered job finds its version already there and changes nothing. Returns the version.
 */
export async function addVersion(
  db: Db,
  item: ContentRow,
  next: {
    jobId: string;
    text: string;
    hashtags: string[];
    generator: string;
    model: string | null;
    instructions?: string;
  },
): Promise<ContentVersionRow> {
  return db.transaction(async (tx) => {
    // Serialise regenerations of one item so version numbers never collide.
    await tx
      .select({ id: contentItems.id })
      .from(contentItems)
      .where(eq(contentItems.id, item.id))
      .for("update");
    const [existing] = await tx
      .select()
      .from(contentVersions)
      .where(and(eq(contentVersions.contentItemId, item.id), eq(contentVersions.jobId, next.jobId)));
    if (existing) return existing;
    const [{ max } = { max: 0 }] = await tx
      .select({ max: sql<number>`coalesce(max(${contentVersions.version}), 0)::int` })
      .from(contentVersions)
      .where(eq(contentVersions.contentItemId, item.id));
    let version = max;
    if (version === 0) {
      const [current] = await tx.select().from(contentItems).where(eq(contentItems.id, item.id));
      const original = current ?? item;
      version = 1;
      await tx.insert(contentVersions).values({
        id: newId("cver"),
        contentItemId: item.id,
        version,
        jobId: original.jobId,
        text: original.text,
        hashtags: original.hashtags,
        generator: original.generator,
        model: original.model,
        createdAt: original.createdAt,
      });
    }
    const [row] = await tx
      .insert(contentVersions)
      .values({ id: newId("cver"), contentItemId: item.id, version: version + 1, ...next })
      .returning();
    await tx
      .update(contentItems)
      .set({ text: next.text, hashtags: next.hashtags, generator: next.generator, model: next.model })
      .where(eq(contentItems.id, item.id));
    return row!;
  });
}

/** Every version of the item, oldest first; an item never regenerated has none (its text is version 1). */
export async function listVersions(db: Db, itemId: string): Promise<ContentVersionRow[]> {
  return db
    .select()
    .from(contentVersions)
    .where(eq(contentVersions.contentItemId, itemId))
    .orderBy(asc(contentVersions.version));
}
