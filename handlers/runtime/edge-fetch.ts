// The handlers' fetch on Workers: URL-level checks only (http/https, no credentials, no literal private
// address or local name, on every redirect hop, at most 5), because Workers cannot reach private networks
// and resolve names themselves. Operator-configured service origins (OpenAI, platforms) skip the check.
import { PermanentError } from "../kit/errors.js";
import { assertUrlAllowed } from "../scrape/url-guard.js";

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface EdgeFetchOptions {
  /** Allow private and loopback targets (SCRAPER_ALLOW_PRIVATE_NETWORKS, tests only). */
  allowPrivate: boolean;
  /** Service base URLs whose origins skip the URL check. */
  serviceOrigins: string[];
  /** The platform fetch. @default globalThis.fetch */
  fetch?: typeof fetch;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function createEdgeFetch(opts: EdgeFetchOptions): typeof fetch {
  const services = new Set(opts.serviceOrigins.map(originOf).filter((o): o is string => o !== null));
  const base = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function edgeFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const first = new Request(input, init);
    let url = new URL(first.url);
    if (services.has(url.origin)) return base(first);
    const mode = first.redirect;
    let method = first.method;
    const headers = new Headers(first.headers);
    // Buffered so a 307/308 can send it again.
    let body: ArrayBuffer | null = first.body ? await first.arrayBuffer() : null;
    for (let hop = 0; ; hop++) {
      assertUrlAllowed(url, { allowPrivate: opts.allowPrivate });
      const res = await base(url.href, { method, headers, body, signal: first.signal, redirect: "manual" });
      const location = res.headers.get("location");
      if (mode === "manual" || !REDIRECTS.has(res.status) || !location) return res;
      await res.body?.cancel().catch(() => {});
      if (mode === "error") throw new TypeError(`redirect from ${url.href} refused (redirect: "error")`);
      if (hop + 1 > MAX_REDIRECTS)
        throw new PermanentError(
          "too_many_redirects",
          `more than ${MAX_REDIRECTS} redirects from ${url.href}`,
        );
      const next = new URL(location, url);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = method === "HEAD" ? "HEAD" : "GET";
        body = null;
        headers.delete("content-type");
        headers.delete("content-length");
      }
      if (next.origin !== url.origin) {
        headers.delete("authorization");
        headers.delete("cookie");
      }
      url = next;
    }
  }
  return edgeFetch as typeof fetch;
}
