// What every platform client offers the sync: metrics for a batch of posts and, where the platform has a
// refresh grant, a token refresh. Clients throw the errors of ./errors.ts (auth, rate limit) or the kit's.
import type { HandlerConfig } from "../../config.js";
import type { Clock } from "../../kit/context.js";
import type { Platform } from "../../kit/platforms.js";
import type { PlatformRateLimitError } from "./errors.js";

/** One post's counters as the platform reports them; null = the platform does not report it. */
export interface RawMetrics {
  likes: number;
  comments: number;
  shares: number;
  impressions: number;
  clicks: number | null;
  saves: number | null;
  /** The post's text when the platform returns it (used for hashtags). */
  text?: string;
}

export interface TokenSet {
  accessToken: string;
  /** Absent: keep the stored refresh token (LinkedIn keeps it; X rotates it). */
  refreshToken?: string;
  expiresAt: Date | null;
}

export interface PlatformDeps {
  fetch: typeof fetch;
  config: HandlerConfig;
  clock: Clock;
  /** Told about rate-limit pressure seen on a successful answer (e.g. Graph usage headers at 100 %). */
  onPressure?(signal: PlatformRateLimitError): void;
  /** Told what a successful answer says is left of the account's limit (X's x-rate-limit-* headers). */
  onQuota?(left: { remaining: number; resetAt: number }): void;
}

export interface MetricsRequest {
  accessToken: string;
  /** The platform's id of the account (e.g. `urn:li:organization:2414183` on LinkedIn). */
  externalAccountId: string;
  externalPostIds: readonly string[];
}

export interface PlatformClient {
  readonly platform: Platform;
  /** Metrics keyed by external post id; posts the platform no longer knows are simply absent. */
  fetchMetrics(req: MetricsRequest): Promise<Map<string, RawMetrics>>;
  /** Exchanges a refresh token for new tokens; undefined when the platform has no refresh grant. */
  refresh?(refreshToken: string): Promise<TokenSet>;
}
