// One scrape of one source. robots.txt and Crawl-delay apply to every request (and redirect hop). A
// website page (scope `page`) → one item keyed by canonical URL, rewritten only when its content changed;
// a site (scope `site`) → crawlSite; a feed → one item per entry not yet stored.
import { and, eq } from "drizzle-orm";
import { contextSources } from "../../db/schema.js";
import type { HandlerContext, JobEnvelope } from "../kit/context.js";
import { PermanentError } from "../kit/errors.js";
import { politeRequest } from "./crawl-delay.js";
import { type CrawlResult, crawlSite } from "./crawl-site.js";
import { fetchSource } from "./fetch-source.js";
import { parseFeed } from "./parse-feed.js";
import { RobotsRules } from "./robots.js";
import { markScrapeSuccess } from "./source-health.js";
import { insertEntries, upsertPage } from "./store-items.js";
import { fetchWebsitePage } from "./website-page.js";

/** The scrape job's timeout. @default 120_000 ms */
export const SCRAPE_TIMEOUT_MS = 120_000;

export interface ScrapeResult extends Partial<CrawlResult> {
  sourceId: string;
  status: "scraped" | "not_modified" | "disabled";
  newItems: number;
  changedItems: number;
  unchangedItems: number;
}

const ACCEPT_FEED =
  "application/rss+xml,application/atom+xml,application/rdf+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1";

/** Epoch ms after which a scrape starts no new request: the last one still ends inside the job's timeout. */
function scrapeDeadline(ctx: HandlerContext, startedAt: number): number {
  const margin = ctx.config.SCRAPER_TIMEOUT_MS + 10_000;
  return startedAt + Math.max(SCRAPE_TIMEOUT_MS / 4, SCRAPE_TIMEOUT_MS - margin);
}

export async function runScrape(
  ctx: HandlerContext,
  job: JobEnvelope<{ sourceId: string }>,
): Promise<ScrapeResult> {
  const deadline = scrapeDeadline(ctx, Date.now());
  const { sourceId } = job.payload;
  const [source] = await ctx.db
    .select()
    .from(contextSources)
    .where(and(eq(contextSources.id, sourceId), eq(contextSources.orgId, job.orgId)));
  if (!source) throw new PermanentError("unknown_source", `context source ${sourceId} does not exist`);
  const result: ScrapeResult = {
    sourceId,
    status: "scraped",
    newItems: 0,
    changedItems: 0,
    unchangedItems: 0,
  };
  if (!source.enabled) return { ...result, status: "disabled" };
  const owner = { orgId: source.orgId, userId: source.userId, sourceId };
  if (source.kind === "website" && source.scope === "site") {
    return { ...result, ...(await crawlSite(ctx, owner, source.url, deadline)) };
  }

  const beforeRequest = politeRequest(ctx, new RobotsRules(ctx), deadline);
  const validators = { etag: source.etag, lastModified: source.lastModified, beforeRequest };
  const fetched =
    source.kind === "website"
      ? await fetchWebsitePage(ctx, source.url, validators)
      : await fetchSource(ctx, source.url, { ...validators, accept: ACCEPT_FEED });
  if (fetched.notModified) {
    await markScrapeSuccess(ctx.db, sourceId, ctx.clock.now(), { ...fetched, newItems: 0 });
    return { ...result, status: "not_modified" };
  }
  const now = ctx.clock.now();
  if ("item" in fetched) {
    const outcome = await upsertPage(ctx.db, owner, fetched.item, now);
    if (outcome === "new") result.newItems = 1;
    else if (outcome === "changed") result.changedItems = 1;
    else result.unchangedItems = 1;
  } else {
    const feed = await parseFeed(fetched.body, fetched.url);
    const added = await insertEntries(
      ctx.db,
      owner,
      feed.entries.map((e) => ({ ...e, description: null })),
      now,
    );
    result.newItems = added;
    result.unchangedItems = feed.entries.length - added;
  }
  await markScrapeSuccess(ctx.db, sourceId, now, {
    etag: fetched.etag,
    lastModified: fetched.lastModified,
    notModified: false,
    newItems: result.newItems + result.changedItems,
  });
  return result;
}
