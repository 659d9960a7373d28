// defineJobType: one job type = one folder in handlers/ exporting its catalog entry
// `{type, payload (zod), timeoutMs, route (Hono), onFailed?}`. The route is built here from `run`.
import { Hono } from "hono";
import type { z } from "zod";
import type { FailedJob, FailureContext, HandlerContext, JobEnvelope } from "./context.js";
import { BadPayloadError } from "./errors.js";
import { describeFields, zodFields } from "./validation.js";

export interface KitEnv {
  Variables: { kit: HandlerContext; envelope: JobEnvelope; requestId: string };
}

export interface JobTypeSpec<P> {
  type: string;
  /** Validates the payload at the API (before queueing) and again in the handler. */
  payload: z.ZodType<P>;
  /** Per-attempt deadline the relay applies to the HTTP call, in ms. */
  timeoutMs: number;
  /** Does the work; returns the job's result (JSON). Throws the kit's typed errors. Must be idempotent. */
  run(ctx: HandlerContext, job: JobEnvelope<P>): Promise<unknown>;
  /**
   * Called by the relay (Node) once the job has failed for good, e.g. to count a source's failures. The
   * relay then notifies the user, unless this returns `{notify: false}` or the handler already wrote a
   * notification for this job (e.g. "reconnect your account").
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: an onFailed that returns nothing must type-check as is.
  onFailed?(ctx: FailureContext, job: FailedJob<P>): Promise<void | { notify?: boolean }>;
}

export interface JobTypeDefinition<P = unknown> extends JobTypeSpec<P> {
  route: Hono<KitEnv>;
}

export function parsePayload<P>(schema: z.ZodType<P>, payload: unknown): P {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const fields = zodFields(parsed.error, "payload");
  throw new BadPayloadError(`invalid payload: ${describeFields(fields)}`, fields);
}

export function defineJobType<P>(spec: JobTypeSpec<P>): JobTypeDefinition<P> {
  const route = new Hono<KitEnv>().post("/", async (c) => {
    const envelope = c.get("envelope");
    const payload = parsePayload(spec.payload, envelope.payload);
    const result = await spec.run(c.get("kit"), { ...envelope, payload });
    return c.json((result ?? {}) as object, 200);
  });
  return { ...spec, route };
}
