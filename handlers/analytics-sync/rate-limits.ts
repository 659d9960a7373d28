// Platform rate-limit signals → how long to wait and who waits (X 429 + x-rate-limit-reset; Graph error
// codes 4, 17, 32, 613 and the X-App-Usage / X-Business-Use-Case-Usage headers; LinkedIn 429), reported to
// the relay as quota keys, so other syncs sharing a limit wait without calling the platform.
import type { Platform } from "../kit/platforms.js";
import type { QuotaReport } from "../kit/quota.js";
import { PlatformRateLimitError } from "./platforms/errors.js";

/** Wait used when a platform gives no reset time. @default 15 min (Graph's usage is a rolling hour). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 15 * 60_000;
/** Floor for any wait, so a reset "now" still spaces retries. */
const MIN_WAIT_MS = 1_000;
/** Graph error codes meaning throttled, and who shares the limit (docs: Graph API error handling). */
const GRAPH_THROTTLE_CODES: Record<number, "account" | "app"> = {
  4: "app",
  17: "account",
  32: "account",
  613: "account",
};

const clampWait = (ms: number) => Math.max(MIN_WAIT_MS, Math.ceil(ms));

/** X: `x-rate-limit-reset` is the reset as Unix seconds. */
export function xResetWaitMs(headers: Headers, now: Date): number {
  const reset = Number(headers.get("x-rate-limit-reset"));
  return clampWait(
    Number.isFinite(reset) && reset > 0 ? reset * 1000 - now.getTime() : DEFAULT_RATE_LIMIT_WAIT_MS,
  );
}

/** LinkedIn: Retry-After when sent, else its daily quotas reset at midnight UTC. */
export function linkedinResetWaitMs(headers: Headers, now: Date): number {
  const retryAfter = Number(headers.get("retry-after"));
  if (Number.isFinite(retryAfter) && retryAfter > 0) return clampWait(retryAfter * 1000);
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return clampWait(midnight - now.getTime());
}

function parseJsonHeader(value: string | null): unknown {
  if (!value) return null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

/** Graph usage headers: the longest `estimated_time_to_regain_access` (minutes) in X-Business-Use-Case-Usage, in ms. */
export function graphRegainMs(headers: Headers): number {
  const buc = parseJsonHeader(headers.get("x-business-use-case-usage"));
  let minutes = 0;
  if (buc && typeof buc === "object") {
    for (const entries of Object.values(buc)) {
      if (!Array.isArray(entries)) continue;
      for (const e of entries) minutes = Math.max(minutes, Number(e?.estimated_time_to_regain_access) || 0);
    }
  }
  return minutes * 60_000;
}

/** Highest percentage in X-App-Usage (`call_count`, `total_time`, `total_cputime`), 0 when absent. */
export function graphAppUsagePct(headers: Headers): number {
  const usage = parseJsonHeader(headers.get("x-app-usage"));
  if (!usage || typeof usage !== "object") return 0;
  return Math.max(0, ...Object.values(usage).map((v) => Number(v) || 0));
}

/** A Graph error body's throttle signal, or null when the code is not a rate limit. */
export function graphThrottle(code: number, headers: Headers): PlatformRateLimitError | null {
  const scope = GRAPH_THROTTLE_CODES[code];
  if (!scope) return null;
  const wait = clampWait(graphRegainMs(headers) || DEFAULT_RATE_LIMIT_WAIT_MS);
  return new PlatformRateLimitError(scope, wait, `graph error ${code}: rate limited (${scope})`);
}

/**
 * Usage headers on a successful Graph answer: at 100 % of the app's usage, or with a regain estimate,
 * later syncs should wait (this one already has its data).
 */
export function graphUsagePressure(headers: Headers): PlatformRateLimitError | null {
  const regain = graphRegainMs(headers);
  if (regain > 0)
    return new PlatformRateLimitError(
      "account",
      clampWait(regain),
      "graph usage: business use case throttled",
    );
  if (graphAppUsagePct(headers) >= 100) {
    return new PlatformRateLimitError("app", DEFAULT_RATE_LIMIT_WAIT_MS, "graph usage: app at 100 %");
  }
  return null;
}

/** The quota key of an account's own limit on its platform (under its `account:<id>` quota class). */
export const accountQuotaKey = (platform: Platform, accountId: string) => `account:${accountId}:${platform}`;

/**
 * A rate-limit signal as the quota report the relay shares with every sync: nothing left on the limit's
 * key until the platform's reset. The key is named under the job's quota classes (needs.ts): `<platform>:app`
 * for an app-wide limit, `account:<id>:<platform>` for the account's own.
 */
export function rateLimitQuota(
  platform: Platform,
  accountId: string,
  signal: PlatformRateLimitError,
  now: Date,
): QuotaReport {
  const key = signal.scope === "app" ? `${platform}:app` : accountQuotaKey(platform, accountId);
  return { key, remaining: 0, reset: now.getTime() + signal.retryAfterMs };
}
