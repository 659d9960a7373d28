// Errors a platform client throws to the sync (never to the handler app): they carry what the sync needs
// to refresh a token or record a shared rate-limit pause. Messages never include tokens or response bodies.

/** The access token is expired or revoked (X 401, Graph error 190, LinkedIn 401). */
export class PlatformAuthError extends Error {
  override name = "PlatformAuthError";
}

/** The refresh grant itself was refused (invalid_grant, revoked refresh token). */
export class RefreshRejectedError extends Error {
  override name = "RefreshRejectedError";
}

/**
 * The platform rate-limited us. `scope` says who shares the limit: `account` (per-user limits, the same
 * account waits) or `app` (app-wide, every account of the platform waits).
 */
export class PlatformRateLimitError extends Error {
  override name = "PlatformRateLimitError";
  constructor(
    readonly scope: "account" | "app",
    /** Until the platform's reset, in ms. */
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(message);
  }
}
