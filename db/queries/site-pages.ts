// The crawl state of `site` sources (site_pages): what each page's last fetch stored, pages gone from the
// site, and the source's crawl counters. Every write is an upsert or a guarded update (at-least-once delivery).
import { and, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { contextItems, contextSources, sitePages } from "../schema.js";

export type SitePageRow = typeof sitePages.$inferSelect;
export type SitePageWrite = Omit<typeof sitePages.$inferInsert, "createdAt" | "goneAt">;

const BATCH = 500;

export async function loadSitePages(db: Db, sourceId: string): Promise<SitePageRow[]> {
  return db.select().from(sitePages).where(eq(sitePages.sourceId, sourceId));
}

/** Records a fetch of one page (it is back if it was gone). */
export async function saveSitePage(db: Db, row: SitePageWrite): Promise<void> {
  await db
    .insert(sitePages)
    .values(row)
    .onConflictDoUpdate({
      target: [sitePages.sourceId, sitePages.url],
      set: {
        via: sql`excluded.via`,
        fetchedLastmod: sql`excluded.fetched_lastmod`,
        itemKey: sql`excluded.item_key`,
        etag: sql`excluded.etag`,
        lastModified: sql`excluded.last_modified`,
        fetchedAt: sql`excluded.fetched_at`,
        goneAt: null,
      },
    });
}

/** Marks pages gone, then the items no live page fills any more; answers how many pages turned gone. */
export async function markPagesGone(db: Db, sourceId: string, urls: string[], now: Date): Promise<number> {
  let gone = 0;
  for (let i = 0; i < urls.length; i += BATCH) {
    const out = await db
      .update(sitePages)
      .set({ goneAt: now })
      .where(
        and(
          eq(sitePages.sourceId, sourceId),
          inArray(sitePages.url, urls.slice(i, i + BATCH)),
          isNull(sitePages.goneAt),
        ),
      )
      .returning({ url: sitePages.url });
    gone += out.length;
  }
  if (gone === 0) return 0;
  const live = db
    .select({ key: sitePages.itemKey })
    .from(sitePages)
    .where(and(eq(sitePages.sourceId, sourceId), isNull(sitePages.goneAt), isNotNull(sitePages.itemKey)));
  const left = db
    .select({ key: sitePages.itemKey })
    .from(sitePages)
    .where(and(eq(sitePages.sourceId, sourceId), isNotNull(sitePages.goneAt)));
  await db
    .update(contextItems)
    .set({ goneAt: now, updatedAt: now })
    .where(
      and(
        eq(contextItems.sourceId, sourceId),
        isNull(contextItems.goneAt),
        inArray(contextItems.itemKey, left),
        sql`${contextItems.itemKey} not in (${live})`,
      ),
    );
  return gone;
}

/** Stores the crawl counters the source view shows. */
export async function recordCrawl(db: Db, sourceId: string, pagesKnown: number, now: Date): Promise<void> {
  const sp = sitePages;
  await db
    .update(contextSources)
    .set({
      pagesKnown,
      pagesScraped: sql`(select count(*)::int from ${sp} where ${sp.sourceId} = ${sourceId} and ${sp.goneAt} is null and ${sp.itemKey} is not null)`,
      lastCrawlAt: now,
    })
    .where(eq(contextSources.id, sourceId));
}
