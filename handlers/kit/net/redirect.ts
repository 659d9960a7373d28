// One redirect hop, as both fetch guards (Node's guarded-fetch, the edge's edge-fetch) follow redirects by
// hand so each hop can be checked: at most 5 hops, http/https only, and the Fetch spec's rewrites (303, and
// 301/302 after a POST, become a GET without a body; credentials are not sent to another origin).
import { PermanentError } from "../errors.js";

export const MAX_REDIRECTS = 5;
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** The next request of a redirect; mutates `headers` for it. Throws PermanentError past MAX_REDIRECTS. */
export function redirectHop(opts: {
  from: URL;
  location: string;
  status: number;
  hop: number;
  method: string;
  headers: Headers;
}): { url: URL; method: string; dropBody: boolean } {
  const { from, headers } = opts;
  if (opts.hop + 1 > MAX_REDIRECTS) {
    throw new PermanentError("too_many_redirects", `more than ${MAX_REDIRECTS} redirects from ${from.href}`);
  }
  const url = new URL(opts.location, from);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new PermanentError(
      "blocked_url",
      `redirect from ${from.href} to ${url.protocol} refused (http/https only)`,
    );
  }
  let method = opts.method;
  let dropBody = false;
  if (opts.status === 303 || ((opts.status === 301 || opts.status === 302) && method === "POST")) {
    method = method === "HEAD" ? "HEAD" : "GET";
    dropBody = true;
    headers.delete("content-type");
    headers.delete("content-length");
  }
  if (url.origin !== from.origin) {
    headers.delete("authorization");
    headers.delete("cookie");
  }
  return { url, method, dropBody };
}
