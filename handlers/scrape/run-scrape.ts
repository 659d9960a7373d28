// One scrape of one source: conditional fetch, then a website page → one item (keyed by canonical
// URL, rewritten only when its content hash changed), or a feed → one item per entry not yet stored.
import { and, eq } from "drizzle-orm";
import { contextSources } from "../../db/schema.js";
import type { HandlerContext, JobEnvelope } from "../kit/context.js";
import { PermanentError } from "../kit/errors.js";
import { extractPage } from "./extract/extract-page.js";
import { fetchSource } from "./fetch-source.js";
import { looksLikeHtml, parseFeed } from "./parse-feed.js";
import { markScrapeSuccess } from "./source-health.js";
import { insertEntries, upsertPage } from "./store-items.js";

export interface ScrapeResult {
  sourceId: string;
  status: "scraped" | "not_modified" | "disabled";
  newItems: number;
  changedItems: number;
  unchangedItems: number;
}

const ACCEPT = {
  website: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
  rss: "application/rss+xml,application/atom+xml,application/rdf+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
};

function isHtml(contentType: string | null, body: string): boolean {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "text/html" || type === "application/xhtml+xml") return true;
  return (!type || type === "application/octet-stream" || type === "text/plain") && looksLikeHtml(body);
}

export async function runScrape(
  ctx: HandlerContext,
  job: JobEnvelope<{ sourceId: string }>,
): Promise<ScrapeResult> {
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

  const fetched = await fetchSource(ctx, source.url, {
    etag: source.etag,
    lastModified: source.lastModified,
    accept: ACCEPT[source.kind],
  });
  const owner = { orgId: source.orgId, userId: source.userId, sourceId };
  if (fetched.notModified) {
    await markScrapeSuccess(ctx.db, sourceId, ctx.clock.now(), { ...fetched, newItems: 0 });
    return { ...result, status: "not_modified" };
  }
  const now = ctx.clock.now();
  if (source.kind === "website") {
    if (!isHtml(fetched.contentType, fetched.body)) {
      throw new PermanentError(
        "not_html",
        `${fetched.url} is ${fetched.contentType ?? "of no declared type"}, not an HTML page`,
      );
    }
    const page = extractPage(fetched.body, fetched.url);
    const key = page.canonicalUrl ?? fetched.url;
    const outcome = await upsertPage(ctx.db, owner, { ...page, key, url: key }, now);
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
