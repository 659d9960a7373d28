// One scrape of a `site` source: the start page (robots-checked: a disallowed start fails at once), then
// discovery, then at most SCRAPER_MAX_PAGES pages in all, newest lastmod first, each a context item keyed
// by its canonical URL and fetched conditionally. What is not reached before the deadline waits for the
// next scrape (the crawl state is site_pages). Pages that left the site are marked gone. Idempotent.
import { loadSitePages, markPagesGone, recordCrawl, type SitePageRow } from "../../db/queries/site-pages.js";
import type { HandlerContext } from "../kit/context.js";
import { isErrorNamed, type PermanentError } from "../kit/errors.js";
import { politeRequest } from "./crawl-delay.js";
import { discoverPages, type KnownPage } from "./discover-pages.js";
import { RobotsRules } from "./robots.js";
import { SitePageWriter, type WriteCounts } from "./site-page-writer.js";
import { markScrapeSuccess } from "./source-health.js";
import type { Owner } from "./store-items.js";
import type { Candidate } from "./top-picks.js";
import { fetchWebsitePage } from "./website-page.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface CrawlResult extends WriteCounts {
  pagesKnown: number;
  pagesGone: number;
  /** Pages chosen for this scrape but left for the next one (deadline or Crawl-delay). */
  pagesLeft: number;
  /** Pages robots.txt forbids: never fetched. */
  pagesDisallowed: number;
  /** Pages that failed passingly (5xx, timeouts): tried again next time. */
  pagesFailed: number;
}

function toKnown(r: SitePageRow, now: Date): KnownPage {
  return {
    url: r.url,
    via: r.via,
    fetchedLastmod: r.fetchedLastmod,
    // A gone page listed again without a newer lastmod is retried once a day.
    fetchedAt: r.goneAt && r.goneAt.getTime() < now.getTime() - DAY_MS ? null : r.fetchedAt,
    gone: r.goneAt !== null,
    seen: false,
  };
}

export async function crawlSite(
  ctx: HandlerContext,
  owner: Owner,
  sourceUrl: string,
  deadline: number,
): Promise<CrawlResult> {
  const { db } = ctx;
  const out: CrawlResult = {
    newItems: 0,
    changedItems: 0,
    unchangedItems: 0,
    pagesKnown: 0,
    pagesFetched: 0,
    pagesNotModified: 0,
    pagesGone: 0,
    pagesLeft: 0,
    pagesDisallowed: 0,
    pagesFailed: 0,
  };
  const robots = new RobotsRules(ctx);
  const beforeRequest = politeRequest(ctx, robots, deadline);
  const rows = new Map((await loadSitePages(db, owner.sourceId)).map((r) => [r.url, r]));
  const startedAt = ctx.clock.now();
  const known = new Map([...rows.values()].map((r) => [r.url, toKnown(r, startedAt)]));
  const sourceStart = new URL(sourceUrl);
  sourceStart.hash = "";
  const writer = new SitePageWriter(db, ctx.clock, owner, rows, out);

  // The start page: any failure fails the scrape (robots_disallowed at once, with a 422). Where it
  // redirects to (http → https, a www. host) is the site crawled.
  const first = await fetchWebsitePage(ctx, sourceStart.href, {
    ...writer.validators(sourceStart.href),
    beforeRequest,
    wantLinks: true,
  });
  await writer.store(sourceStart.href, "start", null, first);
  const start = new URL(first.url);
  const links = first.notModified ? null : first.links;

  const limit = ctx.config.SCRAPER_MAX_PAGES - 1;
  const found = await discoverPages(ctx, { start, links, known, limit, robots, deadline });
  out.pagesKnown = found.listed;
  out.pagesDisallowed = found.disallowed;
  const picks: Candidate[] = [...found.picks];
  // Room left: re-check the pages that carry no lastmod, least recently fetched first (conditional GETs).
  if (picks.length < limit) {
    const chosen = new Set(picks.map((p) => p.url));
    const stale = [...known.values()]
      .filter(
        (k) =>
          !k.gone &&
          k.via !== "start" &&
          !k.fetchedLastmod &&
          !chosen.has(k.url) &&
          (k.seen || !found.complete),
      )
      .sort((a, b) => (a.fetchedAt?.getTime() ?? 0) - (b.fetchedAt?.getTime() ?? 0))
      .slice(0, limit - picks.length);
    for (const k of stale)
      picks.push({ url: k.url, lastmod: null, via: k.via === "link" ? "link" : "sitemap" });
  }

  const gone: string[] = [];
  for (const [i, pick] of picks.entries()) {
    if (Date.now() > deadline) {
      out.pagesLeft = picks.length - i;
      break;
    }
    try {
      const page = await fetchWebsitePage(ctx, pick.url, { ...writer.validators(pick.url), beforeRequest });
      await writer.store(pick.url, pick.via, pick.lastmod, page);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "crawl_delay") {
        out.pagesLeft = picks.length - i;
        break;
      }
      if (code === "robots_disallowed") out.pagesDisallowed++;
      else if (isErrorNamed<PermanentError>(err, "PermanentError")) {
        // 404/410: gone. Other lasting refusals (not HTML, too large): recorded, not retried until listed anew.
        await writer.refused(pick.url, pick.via, pick.lastmod);
        if (code === "source_not_found" || code === "source_gone") gone.push(pick.url);
      } else out.pagesFailed++;
      ctx.log.warn(
        { url: pick.url, err: err instanceof Error ? err.message : String(err) },
        "site page not scraped",
      );
    }
  }

  // Only a complete discovery can tell that a page left; with the start page's links unknown (304),
  // pages found by link alone are kept.
  if (found.complete) {
    for (const k of known.values()) {
      if (!k.gone && !k.seen && k.via !== "start" && (links !== null || k.via === "sitemap"))
        gone.push(k.url);
    }
  }
  const now = ctx.clock.now();
  out.pagesGone = await markPagesGone(db, owner.sourceId, gone, now);
  await recordCrawl(db, owner.sourceId, out.pagesKnown, now);
  await markScrapeSuccess(db, owner.sourceId, now, {
    etag: null,
    lastModified: null,
    notModified: false,
    newItems: out.newItems + out.changedItems,
  });
  return out;
}
