// One web page fetched for a website source (either scope): conditional GET, HTML check, extraction
// (text and metadata by extract/), its declared language and, for a site crawl's start page, its links.
import type { HandlerContext } from "../kit/context.js";
import { PermanentError } from "../kit/errors.js";
import { extractPage } from "./extract/extract-page.js";
import { fetchSource } from "./fetch-source.js";
import { pageSignals } from "./page-signals.js";
import { looksLikeHtml } from "./parse-feed.js";
import type { ItemInput } from "./store-items.js";

export const ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1";
/** Links read from a start page at most. */
const MAX_LINKS = 1000;

export type PageOutcome =
  | { notModified: true; url: string; etag: string | null; lastModified: string | null }
  | {
      notModified: false;
      /** The URL the page was fetched from, after redirects. */
      url: string;
      /** The item, keyed by the page's canonical URL (else its final URL). */
      item: ItemInput;
      links: string[];
      etag: string | null;
      lastModified: string | null;
    };

function isHtml(contentType: string | null, body: string): boolean {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "text/html" || type === "application/xhtml+xml") return true;
  return (!type || type === "application/octet-stream" || type === "text/plain") && looksLikeHtml(body);
}

export async function fetchWebsitePage(
  ctx: HandlerContext,
  url: string,
  opts: {
    etag: string | null;
    lastModified: string | null;
    beforeRequest?: (url: URL) => Promise<void>;
    wantLinks?: boolean;
  },
): Promise<PageOutcome> {
  const fetched = await fetchSource(ctx, url, { ...opts, accept: ACCEPT_HTML });
  if (fetched.notModified) return fetched;
  if (!isHtml(fetched.contentType, fetched.body)) {
    throw new PermanentError(
      "not_html",
      `${fetched.url} is ${fetched.contentType ?? "of no declared type"}, not an HTML page`,
    );
  }
  const page = extractPage(fetched.body, fetched.url);
  const signals = pageSignals(fetched.body, fetched.url, { maxLinks: opts.wantLinks ? MAX_LINKS : 0 });
  const key = page.canonicalUrl ?? fetched.url;
  return {
    notModified: false,
    url: fetched.url,
    item: { ...page, key, url: key, language: signals.language },
    links: signals.links,
    etag: fetched.etag,
    lastModified: fetched.lastModified,
  };
}
