// Fetches a source's URL for a scrape: URL checks (and the caller's robots check) on every hop (at most 5
// redirects, http/https only), a conditional GET with the stored ETag / Last-Modified, a total deadline, and the body capped.
// Classifies failures: network, timeout, 5xx, 408, 429 → RetryableError; 404, 410, other 4xx → PermanentError.
import type { HandlerContext } from "../kit/context.js";
import { isErrorNamed, PermanentError, RetryableError } from "../kit/errors.js";
import { assertUrlAllowed } from "../kit/net/url-guard.js";
import { decodeBody, readBodyCapped } from "./read-body.js";

export const MAX_REDIRECTS = 5;

export type FetchOutcome =
  | { notModified: true; url: string; etag: string | null; lastModified: string | null }
  | {
      notModified: false;
      /** The final URL after redirects. */
      url: string;
      contentType: string | null;
      body: string;
      etag: string | null;
      lastModified: string | null;
    };

function classifyStatus(status: number, url: string): Error {
  if (status === 404) return new PermanentError("source_not_found", `${url} answered 404 Not Found`);
  if (status === 410) return new PermanentError("source_gone", `${url} answered 410 Gone`);
  if (status === 429)
    return new RetryableError("source_rate_limited", `${url} answered 429 Too Many Requests`);
  if (status >= 500 || status === 408)
    return new RetryableError("source_unavailable", `${url} answered ${status}`);
  return new PermanentError("source_refused", `${url} answered ${status}`);
}

/** Normalises a fetch or body-read failure to the kit's errors (a deadline hit → `fetch_timeout`). */
export function classifyThrown(err: unknown, url: string, deadline: AbortSignal, timeoutMs: number): Error {
  if (isErrorNamed(err, "PermanentError") || isErrorNamed(err, "RetryableError")) return err as Error;
  if (deadline.aborted)
    return new RetryableError("fetch_timeout", `${url} did not answer within ${timeoutMs} ms`);
  const e = err instanceof Error ? err : new Error(String(err));
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
  return new RetryableError("network", `could not fetch ${url}: ${e.message}${cause}`, { cause: err });
}

export interface OpenOptions {
  accept: string;
  etag?: string | null;
  lastModified?: string | null;
  /** Called before every request, the first and each redirect hop (robots.txt, Crawl-delay); may throw. */
  beforeRequest?: (url: URL) => Promise<void>;
}

/** A 2xx answer whose body is not read yet (the caller streams or reads it), or a 304. */
export type OpenOutcome =
  | { notModified: true; url: string; etag: string | null; lastModified: string | null }
  | { notModified: false; url: string; response: Response; deadline: AbortSignal };

/** Requests `sourceUrl`, following redirects by hand; non-2xx answers (but 304) throw classified errors. */
export async function openUrl(
  ctx: HandlerContext,
  sourceUrl: string,
  opts: OpenOptions,
): Promise<OpenOutcome> {
  const cfg = ctx.config;
  const guard = { allowPrivate: cfg.SCRAPER_ALLOW_PRIVATE_NETWORKS };
  const deadline = AbortSignal.timeout(cfg.SCRAPER_TIMEOUT_MS);
  const headers: Record<string, string> = { "user-agent": cfg.SCRAPER_USER_AGENT, accept: opts.accept };
  if (opts.etag) headers["if-none-match"] = opts.etag;
  if (opts.lastModified) headers["if-modified-since"] = opts.lastModified;

  let url = assertUrlAllowed(sourceUrl, guard);
  for (let hop = 0; ; hop++) {
    await opts.beforeRequest?.(url);
    try {
      const res = await ctx.fetch(url.href, { headers, redirect: "manual", signal: deadline });
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel().catch(() => {});
        if (!location)
          throw new PermanentError("bad_redirect", `${url.href} answered ${res.status} without a Location`);
        if (hop + 1 > MAX_REDIRECTS) {
          throw new PermanentError(
            "too_many_redirects",
            `more than ${MAX_REDIRECTS} redirects from ${sourceUrl}`,
          );
        }
        url = assertUrlAllowed(new URL(location, url), guard);
        continue;
      }
      if (res.status === 304) {
        await res.body?.cancel().catch(() => {});
        return {
          notModified: true,
          url: url.href,
          etag: res.headers.get("etag"),
          lastModified: res.headers.get("last-modified"),
        };
      }
      if (res.status < 200 || res.status >= 300) {
        await res.body?.cancel().catch(() => {});
        throw classifyStatus(res.status, url.href);
      }
      return { notModified: false, url: url.href, response: res, deadline };
    } catch (err) {
      throw classifyThrown(err, url.href, deadline, cfg.SCRAPER_TIMEOUT_MS);
    }
  }
}

/** openUrl, then the whole body read (capped at SCRAPER_MAX_BYTES) and decoded. */
export async function fetchSource(
  ctx: HandlerContext,
  sourceUrl: string,
  opts: OpenOptions,
): Promise<FetchOutcome> {
  const opened = await openUrl(ctx, sourceUrl, opts);
  if (opened.notModified) return opened;
  const res = opened.response;
  const contentType = res.headers.get("content-type");
  let bytes: Uint8Array;
  try {
    bytes = await readBodyCapped(res, ctx.config.SCRAPER_MAX_BYTES, opened.url);
  } catch (err) {
    throw classifyThrown(err, opened.url, opened.deadline, ctx.config.SCRAPER_TIMEOUT_MS);
  }
  return {
    notModified: false,
    url: opened.url,
    contentType,
    body: decodeBody(bytes, contentType),
    etag: res.headers.get("etag"),
    lastModified: res.headers.get("last-modified"),
  };
}
