// The API's errors and their one mapping to HTTP: `{error: {code, message, fields?}}` (ARCHITECTURE).
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import {
  type BadPayloadError,
  coerceError,
  type FieldIssue,
  isErrorNamed,
  type MissingSettingError,
} from "../../handlers/kit/errors.js";
import { describeFields, zodFields } from "../../handlers/kit/validation.js";
import type {
  EnqueueRateLimited,
  JobConflict,
  JobNotFound,
  QueueUnavailable,
  TransitionRefused,
  UnknownJobType,
} from "../lifecycle/errors.js";
import type { Logger } from "../logger.js";
import { isConnectionError } from "../runtime/db-retry.js";
import type { InvalidSchedule, ScheduleNotFound } from "../scheduler/errors.js";

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503,
    readonly code: string,
    message: string,
    readonly fields?: FieldIssue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  static validation(error: z.ZodError, prefix?: string): ApiError {
    return ApiError.invalid(zodFields(error, prefix));
  }
  static invalid(fields: FieldIssue[]): ApiError {
    return new ApiError(400, "invalid_request", `invalid request: ${describeFields(fields)}`, fields);
  }
  static notFound(what: string): ApiError {
    return new ApiError(404, "not_found", `${what} not found`);
  }
  static unavailable(what: string, retryAfterS = 5): ApiError {
    return new ApiError(503, "unavailable", `${what} is unavailable, try again shortly`, undefined, {
      "Retry-After": String(retryAfterS),
    });
  }
}

export function errorJson(code: string, message: string, fields?: FieldIssue[]) {
  return { error: fields?.length ? { code, message, fields } : { code, message } };
}

/** The domain errors (lifecycle, scheduler) as the API answers them; null for any other error. */
export function domainError(err: unknown): ApiError | null {
  if (isErrorNamed<JobNotFound>(err, "JobNotFound")) return ApiError.notFound("job");
  if (isErrorNamed<TransitionRefused>(err, "TransitionRefused"))
    return new ApiError(409, err.code, err.message);
  if (isErrorNamed<JobConflict>(err, "JobConflict")) return new ApiError(409, err.code, err.message);
  if (isErrorNamed<UnknownJobType>(err, "UnknownJobType"))
    return new ApiError(400, "invalid_request", err.message, err.fields);
  if (isErrorNamed<EnqueueRateLimited>(err, "EnqueueRateLimited"))
    return new ApiError(429, "rate_limited", err.message, undefined, {
      "Retry-After": String(err.retryAfterS),
    });
  if (isErrorNamed<QueueUnavailable>(err, "QueueUnavailable")) return ApiError.unavailable("the job queue");
  if (isErrorNamed<ScheduleNotFound>(err, "ScheduleNotFound"))
    return new ApiError(404, "not_found", err.message);
  if (isErrorNamed<InvalidSchedule>(err, "InvalidSchedule"))
    return new ApiError(400, "invalid_request", err.message, err.fields);
  return null;
}

/** Hono onError for the API: typed errors → their status; anything else → 500, logged. */
export function apiErrorHandler(log: Logger) {
  return (thrown: unknown, c: Context): Response => {
    const err = domainError(thrown) ?? thrown;
    if (isErrorNamed<ApiError>(err, "ApiError")) {
      for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
      // The rest of an oversized body is never read: close the connection rather than leave it unusable.
      if (err.status === 413) c.header("Connection", "close");
      if (err.status >= 500)
        log.warn({ code: err.code, path: c.req.path, msg: err.message }, "api unavailable");
      else
        log.info({ code: err.code, path: c.req.path, status: err.status, fields: err.fields }, err.message);
      return c.json(errorJson(err.code, err.message, err.fields), err.status);
    }
    if (isErrorNamed<BadPayloadError>(err, "BadPayloadError")) {
      log.info({ path: c.req.path, fields: err.fields }, err.message);
      return c.json(errorJson("invalid_request", err.message, err.fields), 400);
    }
    if (isErrorNamed<MissingSettingError>(err, "MissingSettingError")) {
      log.warn({ code: err.code, path: c.req.path, msg: err.message }, "api unconfigured");
      return c.json(errorJson(err.code, err.message), 503);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? "payload_too_large" : status === 401 ? "unauthorized" : "http_error";
      return c.json(errorJson(code, err.message || "request refused"), status);
    }
    if (isConnectionError(err)) {
      log.warn({ path: c.req.path, err: (err as Error).message }, "postgres unavailable");
      c.header("Retry-After", "5");
      return c.json(errorJson("unavailable", "the database is unavailable, try again shortly"), 503);
    }
    const e = coerceError(err);
    log.error({ err: { name: e.name, message: e.message, stack: e.stack }, path: c.req.path }, "api error");
    return c.json(errorJson("internal", "internal error"), 500);
  };
}
