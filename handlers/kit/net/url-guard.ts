// URL-level checks before any user-supplied URL is fetched (both runtimes): http/https only, no
// credentials, and no literal private address in any spelling (WHATWG URL parsing normalises decimal,
// octal and hex IPv4 forms; IPv4-mapped IPv6 is unwrapped). Names are checked on Node at connect time.
import { PermanentError } from "../errors.js";
import { blockedRange, isIpLiteral } from "./ip-policy.js";

export interface UrlGuardOptions {
  /** Allow private and loopback targets (SCRAPER_ALLOW_PRIVATE_NETWORKS, tests only). @default false */
  allowPrivate?: boolean;
}

/** Names that always mean this machine or its private network, refused without a DNS lookup. */
const LOCAL_NAMES = /(^|\.)(localhost|localdomain|internal|local|home\.arpa)$/i;

/** The reason `url` may not be fetched, or null when it may. */
export function urlBlockReason(url: string | URL, opts: UrlGuardOptions = {}): string | null {
  let u: URL;
  try {
    u = typeof url === "string" ? new URL(url) : url;
  } catch {
    return "not a valid URL";
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    return `scheme ${u.protocol} is not allowed (http/https only)`;
  if (u.username || u.password) return "URLs with credentials are not allowed";
  const host = u.hostname.replace(/\.$/, "");
  if (!host) return "URL has no host";
  if (opts.allowPrivate) return null;
  if (isIpLiteral(host)) {
    const range = blockedRange(host);
    return range ? `address ${host} is ${range}, not a public address` : null;
  }
  if (LOCAL_NAMES.test(host)) return `host ${host} is a local name`;
  return null;
}

/** Throws PermanentError `blocked_url` (answer 422, no retry) when `url` may not be fetched. */
export function assertUrlAllowed(url: string | URL, opts: UrlGuardOptions = {}): URL {
  const reason = urlBlockReason(url, opts);
  if (reason) throw new PermanentError("blocked_url", `blocked URL ${String(url)}: ${reason}`);
  return typeof url === "string" ? new URL(url) : url;
}
