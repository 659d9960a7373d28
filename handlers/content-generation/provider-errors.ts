// The AI provider's failures mapped to the handler answer table: 429 → wait (retry-after-ms, retry-after),
// 5xx/timeouts/connection → retry, 401 → `ai_credentials_rejected`, 400 and other refusals → fail with the reason.
import { APIConnectionError, APIError } from "openai";
import { PermanentError, RateLimitedError, RetryableError } from "../kit/errors.js";

/** Wait used when a 429 names no delay, in ms. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 20_000;

/** retry-after-ms, then retry-after (seconds or an HTTP date), then OpenAI's x-ratelimit-reset-* ("6m0s"). */
export function retryAfterMs(headers: Headers | undefined, nowMs = Date.now()): number | null {
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const after = headers?.get("retry-after");
  if (after) {
    const seconds = Number.parseFloat(after);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - nowMs);
  }
  const reset = headers?.get("x-ratelimit-reset-requests") ?? headers?.get("x-ratelimit-reset-tokens");
  const m = reset?.match(/^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:([\d.]+)s)?(?:(\d+)ms)?$/);
  if (reset && m) {
    const [, h, min, s, msPart] = m;
    return ((Number(h ?? 0) * 60 + Number(min ?? 0)) * 60 + Number(s ?? 0)) * 1000 + Number(msPart ?? 0);
  }
  return null;
}

/** The provider's own explanation, in plain words (without the SDK's "400 " status prefix). */
function providerReason(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  const message = typeof body?.message === "string" ? body.message : err.message.replace(/^\d{3}\s+/, "");
  return message.trim() || "no reason given";
}

/** Maps whatever the openai SDK threw to one of the kit's typed errors. */
export function mapProviderError(err: unknown): Error {
  if (err instanceof APIConnectionError) {
    // Includes APIConnectionTimeoutError: a passing fault.
    return new RetryableError("ai_unavailable", `AI provider unreachable: ${err.message}`, { cause: err });
  }
  if (!(err instanceof APIError) || err.status === undefined) {
    return err instanceof Error ? err : new Error(String(err));
  }
  const reason = providerReason(err);
  const status = err.status;
  if (status === 429) {
    // An exhausted quota will not clear by waiting a minute: the user must act.
    if (err.code === "insufficient_quota") {
      return new PermanentError("ai_quota_exceeded", `AI provider quota exhausted: ${reason}`, {
        cause: err,
      });
    }
    const wait = retryAfterMs(err.headers) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    return new RateLimitedError(wait, `AI provider rate limit: ${reason}`, { cause: err });
  }
  if (status === 401) {
    return new PermanentError("ai_credentials_rejected", "AI provider rejected the credentials", {
      cause: err,
    });
  }
  if (status === 400 || status === 422) {
    const policy =
      err.code === "content_policy_violation" || /content (management )?policy|safety system/i.test(reason);
    const code = policy ? "ai_content_policy" : "ai_invalid_request";
    const prefix = policy
      ? "The AI provider refused this request under its content policy"
      : "The AI provider refused the request";
    return new PermanentError(code, `${prefix}: ${reason}`, { cause: err });
  }
  if (status === 403)
    return new PermanentError("ai_forbidden", `The AI provider denied access: ${reason}`, { cause: err });
  if (status === 404)
    return new PermanentError("ai_model_not_found", `The AI provider has no such model: ${reason}`, {
      cause: err,
    });
  // 408, 409, 5xx and anything else: try again later.
  return new RetryableError("ai_unavailable", `AI provider error ${status}: ${reason}`, { cause: err });
}
