// POST /triggers/:jobType: where QStash schedules deliver (no API key: the QStash signature is the auth).
// Verifies the signature against `${PUBLIC_URL}/triggers/<type>` (current then next key; a replayed jti is
// refused), treats a redelivered Upstash-Message-Id as already done, then queues the type's fan-out.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  isErrorNamed,
  MissingSettingError,
  type SignatureRejectedError,
} from "../../../handlers/kit/errors.js";
import { verifySignature } from "../../../handlers/kit/signature.js";
import { ioredisKv } from "../../runtime/kv.js";
import { triggerUrl } from "../../scheduler/qstash-driver.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, json } from "../schemas.js";
import { scheduleControl } from "./schedules.js";

/** How long a delivered message id is remembered (QStash retries for up to days on paid plans). @default 7 d */
export const MESSAGE_ID_TTL_MS = 7 * 24 * 3600 * 1000;

const triggerRoute = createRoute({
  method: "post",
  path: "/triggers/{jobType}",
  summary: "QStash schedule delivery: queue the type's fan-out (signed by QStash)",
  request: {
    params: z.object({ jobType: z.string().min(1).max(64) }),
    headers: z.object({
      "upstash-signature": z.string().optional(),
      "upstash-message-id": z.string().max(200).optional(),
    }),
  },
  responses: {
    202: json(z.object({ jobType: z.string(), fanOutId: z.string() }), "Fan-out queued"),
    200: json(
      z.object({ jobType: z.string(), duplicate: z.boolean().optional(), skipped: z.string().optional() }),
      "Already done (redelivered message) or the schedule is disabled",
    ),
    ...errorResponses,
  },
});

export function registerTriggerRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const control = scheduleControl(deps);
  const kv = ioredisKv(deps.redis, deps.queues.prefix);
  app.openapi(triggerRoute, async (c) => {
    const { jobType } = c.req.valid("param");
    const { PUBLIC_URL, QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY } = deps.config;
    if (!PUBLIC_URL || !QSTASH_CURRENT_SIGNING_KEY || !QSTASH_NEXT_SIGNING_KEY)
      throw new MissingSettingError(
        "triggers_unconfigured",
        "triggers need PUBLIC_URL, QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY",
      );
    const body = await c.req.text();
    try {
      await verifySignature({
        keys: { current: QSTASH_CURRENT_SIGNING_KEY, next: QSTASH_NEXT_SIGNING_KEY },
        kv,
        signature: c.req.header("upstash-signature"),
        url: triggerUrl(PUBLIC_URL, jobType),
        body,
        replayNamespace: "trigger-jti",
      });
    } catch (err) {
      if (isErrorNamed<SignatureRejectedError>(err, "SignatureRejectedError")) {
        deps.log.warn({ jobType, reason: err.message }, "trigger refused");
        throw new ApiError(401, "signature_rejected", err.message);
      }
      throw err;
    }
    const schedule = await control.get(jobType);
    if (!schedule.enabled) return c.json({ jobType, skipped: "disabled" }, 200);
    const messageId = c.req.header("upstash-message-id");
    const seenKey = messageId ? `trigger-msg:${messageId}` : null;
    if (seenKey && !(await kv.setIfAbsent(seenKey, "1", MESSAGE_ID_TTL_MS)))
      return c.json({ jobType, duplicate: true }, 200);
    try {
      const fanOutId = await control.runNow(jobType, "trigger", messageId);
      return c.json({ jobType, fanOutId }, 202);
    } catch {
      if (seenKey) await kv.del(seenKey).catch(() => {});
      throw ApiError.unavailable("the scheduler queue");
    }
  });
}
