// Retry delays: RETRY_DELAYS_MS (default 1, 5, 15 min) with ±10 % jitter; Retry-After parsing.

/** Delay before retry number `attempt` (1-based: after the first failed attempt → delays[0]). */
export function retryDelayMs(delays: readonly number[], attempt: number, random = Math.random): number {
  const base = delays[Math.min(attempt, delays.length) - 1] ?? delays[delays.length - 1] ?? 60_000;
  return Math.round(base * (0.9 + 0.2 * random()));
}

/** Retry-After-Ms, else Retry-After (seconds or an HTTP date), else `fallbackMs`. */
export function parseRetryAfter(headers: Headers, nowMs = Date.now(), fallbackMs = 60_000): number {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.has("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after");
  if (!value) return fallbackMs;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : fallbackMs;
}
