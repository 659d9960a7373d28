// A site's pages, from its sitemaps (robots.txt `Sitemap:` lines, else /sitemap.xml; indexes followed,
// gzip too) and the start page's same-host links. Streams every sitemap, keeping only the best `limit`
// pages to fetch (new, or listed with a newer lastmod than the stored fetch) and counts: bounded memory.
import type { HandlerContext } from "../kit/context.js";
import { isErrorNamed, type PermanentError } from "../kit/errors.js";
import { openUrl } from "./fetch-source.js";
import type { RobotsRules } from "./robots.js";
import { readSitemap } from "./sitemap-stream.js";
import { type Candidate, TopPicks } from "./top-picks.js";

/** Sitemap files read per scrape at most (an index and its children). */
export const MAX_SITEMAP_FILES = 50;
/** The sitemap protocol's limits per file: 50,000 URLs, 50 MB uncompressed. */
const SITEMAP_LIMITS = { maxEntries: 50_000, maxBytes: 50 * 1024 * 1024 };
const ACCEPT = "application/xml,text/xml;q=0.9,application/gzip;q=0.8,*/*;q=0.1";

export interface KnownPage {
  url: string;
  via: "start" | "sitemap" | "link";
  fetchedLastmod: Date | null;
  fetchedAt: Date | null;
  gone: boolean;
  /** Set by discovery: listed in a sitemap or linked from the start page this time. */
  seen: boolean;
}

export interface Discovery {
  /** Same-host page URLs listed in the sitemaps, plus the start page and its links they do not list. */
  listed: number;
  /** False when a limit, the deadline or an error cut discovery short: nothing may be marked gone then. */
  complete: boolean;
  picks: Candidate[];
  disallowed: number;
}

export interface DiscoverOptions {
  start: URL;
  /** The start page's links, or null when it answered 304 (its links are unknown this time). */
  links: string[] | null;
  known: Map<string, KnownPage>;
  limit: number;
  robots: RobotsRules;
  /** Epoch ms after which no further sitemap is opened. */
  deadline: number;
}

function modified(k: KnownPage, lastmod: Date | null): boolean {
  if (!k.fetchedAt) return true;
  if (!lastmod) return false;
  return lastmod > (k.fetchedLastmod ?? k.fetchedAt);
}

export async function discoverPages(ctx: HandlerContext, o: DiscoverOptions): Promise<Discovery> {
  const rules = await o.robots.rules(o.start);
  const agent = ctx.config.SCRAPER_USER_AGENT;
  const picks = new TopPicks(o.limit);
  const links = new Map((o.links ?? []).map((l) => [l, false]));
  const out: Discovery = { listed: 0, complete: true, picks: [], disallowed: 0 };
  let startCounted = false;

  const consider = (raw: string, lastmod: Date | null, via: Candidate["via"]) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return;
    }
    url.hash = "";
    if (url.hostname !== o.start.hostname || (url.protocol !== "http:" && url.protocol !== "https:")) return;
    if (via === "sitemap") {
      out.listed++;
      if (links.has(url.href)) links.set(url.href, true);
    }
    if (url.href === o.start.href) {
      if (via === "sitemap") startCounted = true;
      return;
    }
    const k = o.known.get(url.href);
    if (k) k.seen = true;
    if (k && !modified(k, lastmod)) return;
    if (rules && rules.isAllowed(url.href, agent) === false) {
      out.disallowed++;
      return;
    }
    picks.push({ url: url.href, lastmod, via });
  };

  const robotsListed = (await o.robots.sitemaps(o.start)).filter(
    (s) => URL.canParse(s) && new URL(s).hostname === o.start.hostname,
  );
  const queue = robotsListed.length ? robotsListed : [new URL("/sitemap.xml", o.start).href];
  const opened = new Set<string>();
  while (queue.length) {
    const sitemapUrl = queue.shift()!;
    if (opened.has(sitemapUrl)) continue;
    if (opened.size >= MAX_SITEMAP_FILES || Date.now() > o.deadline) {
      out.complete = false;
      break;
    }
    opened.add(sitemapUrl);
    try {
      // Sitemaps are robots-checked but not paced by Crawl-delay: a long delay must not starve discovery.
      const res = await openUrl(ctx, sitemapUrl, {
        accept: ACCEPT,
        beforeRequest: (url) => o.robots.assertAllowed(url),
      });
      if (res.notModified || !res.response.body) continue;
      const read = await readSitemap(
        res.response.body,
        {
          page: (e) => consider(e.loc, e.lastmod, "sitemap"),
          sitemap: (e) => {
            if (URL.canParse(e.loc) && new URL(e.loc).hostname === o.start.hostname) queue.push(e.loc);
          },
        },
        SITEMAP_LIMITS,
      );
      if (!read.complete) out.complete = false;
    } catch (err) {
      // No /sitemap.xml at all is a site without a sitemap; any other failure leaves discovery incomplete.
      const missing = isErrorNamed<PermanentError>(err, "PermanentError") && err.code === "source_not_found";
      if (!(missing && !robotsListed.length && opened.size === 1)) out.complete = false;
      ctx.log.warn({ sitemapUrl, err: err instanceof Error ? err.message : String(err) }, "sitemap not read");
    }
  }

  for (const [link, listed] of links) {
    if (listed) continue;
    if (link === o.start.href) startCounted = true;
    out.listed++;
    consider(link, null, "link");
  }
  if (!startCounted) out.listed++;
  out.picks = picks.take();
  return out;
}
