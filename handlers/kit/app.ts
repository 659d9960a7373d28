// The handlers app: POST /{type} verifies the signature against the configured URL, parses the
// envelope, runs the type's route, and maps typed errors to ARCHITECTURE's answer table in one place.

import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { declaredBodyLimit } from "./body-limit.js";
import type { Catalog } from "./catalog.js";
import type { Logger, RuntimeAdapter } from "./context.js";
import type { KitEnv } from "./define.js";
import {
  BadPayloadError,
  coerceError,
  isErrorNamed,
  MissingSettingError,
  type PermanentError,
  type RateLimitedError,
  type RetryableError,
  type SignatureRejectedError,
} from "./errors.js";
import { withLogFields } from "./log-fields.js";
import { formatQuota, QUOTA_HEADER, type QuotaReport } from "./quota.js";
import { verifySignature } from "./signature.js";
import { describeFields, zodFields } from "./validation.js";

/** @default 1 MB */
export const MAX_ENVELOPE_BYTES = 1024 * 1024;

const envelopeSchema = z.object({
  jobId: z.string().min(1),
  type: z.string().min(1),
  orgId: z.string().min(1),
  userId: z.string().min(1),
  attempt: z.number().int().positive(),
  maxAttempts: z.number().int().positive(),
  payload: z.unknown(),
});

const consoleLogger: Logger = {
  info: () => {},
  warn: (o, m) => console.warn(m, o),
  error: (o, m) => console.error(m, o),
};

function errorBody(code: string, message: string, fields?: unknown) {
  return { error: fields ? { code, message, fields } : { code, message } };
}

/** Maps a thrown value to the answer table. Exported for tests and the workerd entry. */
export function errorResponse(err: unknown, c: Context, log: Logger = consoleLogger): Response {
  if (isErrorNamed<SignatureRejectedError>(err, "SignatureRejectedError")) {
    log.error({ err: err.message, path: c.req.path }, "handler signature refused");
    return c.json(errorBody("signature_rejected", err.message), 401);
  }
  if (isErrorNamed<BadPayloadError>(err, "BadPayloadError")) {
    return c.json(errorBody("bad_payload", err.message, err.fields), 400);
  }
  if (isErrorNamed<PermanentError>(err, "PermanentError")) {
    return c.json(errorBody(err.code, err.message), 422);
  }
  if (isErrorNamed<RateLimitedError>(err, "RateLimitedError")) {
    const ms = Math.max(0, Math.ceil(err.retryAfterMs));
    c.header("Retry-After", String(Math.ceil(ms / 1000)));
    c.header("Retry-After-Ms", String(ms));
    return c.json(errorBody("rate_limited", err.message), 429);
  }
  if (isErrorNamed<RetryableError>(err, "RetryableError")) {
    return c.json(errorBody(err.code, err.message), 503);
  }
  if (isErrorNamed<MissingSettingError>(err, "MissingSettingError")) {
    log.error({ code: err.code, path: c.req.path }, err.message);
    return c.json(errorBody(err.code, err.message), 503);
  }
  const e = coerceError(err);
  log.error(
    { err: { name: e.name, message: e.message, stack: e.stack }, path: c.req.path },
    "handler crashed",
  );
  return c.json(errorBody("internal", e.message), 500);
}

export function createHandlersApp(opts: { catalog: Catalog; adapter: RuntimeAdapter }): Hono<KitEnv> {
  const app = new Hono<KitEnv>();
  app.onError((err, c) => {
    const kit = c.var.kit as KitEnv["Variables"]["kit"] | undefined;
    return errorResponse(err, c, kit?.log);
  });
  app.notFound((c) => c.json(errorBody("unknown_type", `no handler for ${c.req.path}`), 404));
  // Envelopes are the API's ≤ 256 KB payloads plus a few ids: anything far larger is refused unread.
  app.use(
    "*",
    declaredBodyLimit({
      maxSize: MAX_ENVELOPE_BYTES,
      onError: (c) =>
        c.json(errorBody("payload_too_large", `request body over ${MAX_ENVELOPE_BYTES} bytes`), 413),
    }),
  );

  app.post("/:type", async (c, next) => {
    const type = c.req.param("type");
    if (!opts.catalog.get(type))
      return c.json(errorBody("unknown_type", `no handler for job type ${type}`), 404);
    const body = await c.req.text();
    const { ctx, done } = await opts.adapter.context(c.req.raw);
    const headerRequestId = c.req.header("x-request-id");
    const quota: QuotaReport[] = [];
    c.set("kit", { ...ctx, quota, log: withLogFields(ctx.log, { requestId: headerRequestId, type }) });
    try {
      const { HANDLERS_URL, QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY } = ctx.config;
      if (!HANDLERS_URL || !QSTASH_CURRENT_SIGNING_KEY || !QSTASH_NEXT_SIGNING_KEY) {
        throw new MissingSettingError(
          "handlers_unconfigured",
          "handlers are not configured: HANDLERS_URL and both QSTASH_*_SIGNING_KEY are required",
        );
      }
      await verifySignature({
        keys: { current: QSTASH_CURRENT_SIGNING_KEY, next: QSTASH_NEXT_SIGNING_KEY },
        kv: ctx.kv,
        signature: c.req.header("upstash-signature"),
        url: `${HANDLERS_URL.replace(/\/+$/, "")}/${type}`,
        body,
      });
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        throw new BadPayloadError("request body is not JSON");
      }
      const parsed = envelopeSchema.safeParse(json);
      if (!parsed.success) {
        const fields = zodFields(parsed.error);
        throw new BadPayloadError(`invalid job envelope: ${describeFields(fields)}`, fields);
      }
      if (parsed.data.type !== type)
        throw new BadPayloadError(`envelope type ${parsed.data.type} ≠ route ${type}`);
      c.set("envelope", parsed.data);
      const requestId = headerRequestId ?? parsed.data.jobId;
      c.set("requestId", requestId);
      const { jobId, attempt } = parsed.data;
      c.set("kit", { ...ctx, quota, log: withLogFields(ctx.log, { requestId, jobId, type, attempt }) });
      await next();
      // Whatever the answer (a thrown error is already c.res here): the quotas the job used.
      for (const report of quota) c.res.headers.append(QUOTA_HEADER, formatQuota(report));
    } finally {
      await done();
    }
  });
  for (const def of opts.catalog.list()) app.route(`/${def.type}`, def.route);
  return app;
}
