// Writes what a site crawl fetched: the page's item (upserted by canonical URL) and its site_pages row
// (validators for the next conditional GET, the lastmod fetched, the item it fills), counting outcomes.
import type { Db } from "../../db/client.js";
import { type SitePageRow, saveSitePage } from "../../db/queries/site-pages.js";
import type { Clock } from "../kit/context.js";
import { type Owner, upsertPage } from "./store-items.js";
import type { PageOutcome } from "./website-page.js";

export interface WriteCounts {
  newItems: number;
  changedItems: number;
  unchangedItems: number;
  pagesFetched: number;
  pagesNotModified: number;
}

type Via = SitePageRow["via"];

export class SitePageWriter {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly owner: Owner,
    /** The source's stored pages by URL, as the crawl started. */
    private readonly rows: ReadonlyMap<string, SitePageRow>,
    private readonly counts: WriteCounts,
  ) {}

  /** The stored validators of `url`; none for a gone page, fetched in full (a 304 would not bring its item back). */
  validators(url: string): { etag: string | null; lastModified: string | null } {
    const row = this.rows.get(url);
    return row && !row.goneAt
      ? { etag: row.etag, lastModified: row.lastModified }
      : { etag: null, lastModified: null };
  }

  async store(url: string, via: Via, lastmod: Date | null, page: PageOutcome): Promise<void> {
    const row = this.rows.get(url);
    const now = this.clock.now();
    const c = this.counts;
    c.pagesFetched++;
    let itemKey = row?.itemKey ?? null;
    if (page.notModified) {
      c.pagesNotModified++;
      c.unchangedItems++;
    } else {
      const outcome = await upsertPage(this.db, this.owner, page.item, now);
      c[outcome === "new" ? "newItems" : outcome === "changed" ? "changedItems" : "unchangedItems"]++;
      itemKey = page.item.key;
    }
    // A 304 may omit the validators: keep the stored ones then.
    const kept = page.notModified ? row : undefined;
    await saveSitePage(this.db, {
      sourceId: this.owner.sourceId,
      url,
      via,
      fetchedLastmod: lastmod ?? row?.fetchedLastmod ?? null,
      itemKey,
      etag: page.etag ?? kept?.etag ?? null,
      lastModified: page.lastModified ?? kept?.lastModified ?? null,
      fetchedAt: now,
    });
  }

  /** A page that refused for good (404, not HTML, too large): recorded without an item, not retried until relisted. */
  async refused(url: string, via: Via, lastmod: Date | null): Promise<void> {
    await saveSitePage(this.db, {
      sourceId: this.owner.sourceId,
      url,
      via,
      fetchedLastmod: lastmod,
      itemKey: null,
      etag: null,
      lastModified: null,
      fetchedAt: this.clock.now(),
    });
  }
}
