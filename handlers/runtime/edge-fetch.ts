import { REDIRECT_STATUSES, redirectHop } from "../kit/net/redirect.js";
import { assertUrlAllowed } from "../kit/net/url-guard.js";

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
      if (mode === "manual" || !REDIRECT_STATUSES.has(res.status) || !location) return res;
      await res.body?.cancel().catch(() => {});
      if (mode === "error") throw new TypeError(`redirect from ${url.href} refused (redirect: "error")`);
      const next = redirectHop({ from: url, location, status: res.status, hop, method, headers });
      if (next.dropBody) body = null;
      method = next.method;
      url = next.url;
    }
  }
  return edgeFetch as typeof fetch;
}
