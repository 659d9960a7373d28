// The handler's typed errors: each maps to one row of ARCHITECTURE's answer table (see app.ts onError).
// Matched by `name` as well as instanceof, since they may cross bundles (workerd) or realms.

export interface FieldIssue {
  path: string;
  message: string;
}

/** An error with a stable `code`: the `error.code` of the answer it becomes. */
abstract class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The job can never succeed (revoked token, blocked URL, content policy): answer 422, relay fails it now. */
export class PermanentError extends CodedError {
  override name = "PermanentError";
}

/** The payload itself is wrong: answer 400, relay fails it now. */
export class BadPayloadError extends Error {
  override name = "BadPayloadError";
  constructor(
    message: string,
    readonly fields: FieldIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A passing fault (upstream 5xx, network, timeout): answer 503, relay retries with backoff. */
export class RetryableError extends CodedError {
  override name = "RetryableError";
}

/** Upstream rate limit: answer 429 + Retry-After; the relay waits without spending an attempt. */
export class RateLimitedError extends Error {
  override name = "RateLimitedError";
  constructor(
    /** How long to wait, in milliseconds. */
    readonly retryAfterMs: number,
    message = "rate limited upstream",
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A setting this service needs is not configured (e.g. TOKEN_ENCRYPTION_KEYS): answer 503 with `code`
 * naming what is missing (`token_encryption_unconfigured`) and a message naming the variable. The
 * operator's to fix, never the caller's fault, so not a 4xx; never a 500 either.
 */
export class MissingSettingError extends CodedError {
  override name = "MissingSettingError";
}

/** The request's signature was refused: answer 401 (and only for that). */
export class SignatureRejectedError extends Error {
  override name = "SignatureRejectedError";
}

/** Turns any thrown value into an Error with a message, for logging and storing. */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === "string") return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}

export function isErrorNamed<T extends Error>(value: unknown, name: string): value is T {
  return value instanceof Error && value.name === name;
}
