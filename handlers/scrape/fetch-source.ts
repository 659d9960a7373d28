// Fetches a source's URL for a scrape: URL checks on every hop (at most 5 redirects, http/https only),
// a conditional GET with the stored ETag / Last-Modified, a total deadline, and the body capped.
// Classifies failures: network, timeout, 5xx, 408, 429 → RetryableError; 404, 410, other 4xx → PermanentError.
import type { HandlerContext } from "../kit/context.js";
import { isErrorNamed, PermanentError, RetryableError } from "../kit/errors.js";
import { assertUrlAllowed } from "../kit/net/url-guard.js";
import { decodeBody, readBodyCapped } from "./read-body.js";

export const MAX_REDIRECTS = 5;

export type FetchOutcome =
  | { notModified: true; etag: string | null; lastModified: string | null }
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

function classifyThrown(err: unknown, url: string, deadline: AbortSignal, timeoutMs: number): Error {
  if (isErrorNamed(err, "PermanentError") || isErrorNamed(err, "RetryableError")) return err as Error;
  if (deadline.aborted)
    return new RetryableError("fetch_timeout", `${url} did not answer within ${timeoutMs} ms`);
  const e = err instanceof Error ? err : new Error(String(err));
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
  return new RetryableError("network", `could not fetch ${url}: ${e.message}${cause}`, { cause: err });
}

export async function fetchSource(
  ctx: HandlerContext,
  sourceUrl: string,
  opts: { etag: string | null; lastModified: string | null; accept: string },
): Promise<FetchOutcome> {
  const cfg = ctx.config;
  const guard = { allowPrivate: cfg.SCRAPER_ALLOW_PRIVATE_NETWORKS };
  const deadline = AbortSignal.timeout(cfg.SCRAPER_TIMEOUT_MS);
  const headers: Record<string, string> = { "user-agent": cfg.SCRAPER_USER_AGENT, accept: opts.accept };
  if (opts.etag) headers["if-none-match"] = opts.etag;
  if (opts.lastModified) headers["if-modified-since"] = opts.lastModified;

  let url = assertUrlAllowed(sourceUrl, guard);
  for (let hop = 0; ; hop++) {
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
          etag: res.headers.get("etag"),
          lastModified: res.headers.get("last-modified"),
        };
      }
      if (res.status < 200 || res.status >= 300) {
        await res.body?.cancel().catch(() => {});
        throw classifyStatus(res.status, url.href);
      }
      const contentType = res.headers.get("content-type");
      const bytes = await readBodyCapped(res, cfg.SCRAPER_MAX_BYTES, url.href);
      return {
        notModified: false,
        url: url.href,
        contentType,
        body: decodeBody(bytes, contentType),
        etag: res.headers.get("etag"),
        lastModified: res.headers.get("last-modified"),
      };
    } catch (err) {
      throw classifyThrown(err, url.href, deadline, cfg.SCRAPER_TIMEOUT_MS);
    }
  }
}
