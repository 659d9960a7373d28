// Start-up check of REDIS_URL for production: Upstash accepts TLS only (rediss://), and a plain redis:// to a
// host that is not on this machine or a private network sends queue data and the password in clear text.
// Warns (the service still starts: a self-hosted Redis behind a private link may be fine).
import type { Logger } from "../logger.js";

const PRIVATE_HOST = /^(localhost|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|\[?::1\]?$|[^.]+$)/i;

/** The warning logged for `url`, or null when there is nothing to say. */
export function redisUrlWarning(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null; // config validation reports malformed URLs
  }
  if (u.protocol !== "redis:") return null;
  if (/(^|\.)upstash\.io$/i.test(u.hostname))
    return "REDIS_URL points at Upstash with redis://; Upstash accepts TLS only: use rediss://";
  if (!PRIVATE_HOST.test(u.hostname))
    return `REDIS_URL uses plain redis:// to ${u.hostname}; use rediss:// (TLS) for a Redis reached over the internet`;
  return null;
}

export function checkRedisUrl(url: string, log: Pick<Logger, "warn">): string | null {
  const warning = redisUrlWarning(url);
  if (warning) log.warn({ redisHost: safeHost(url) }, warning);
  return warning;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "?";
  }
}
