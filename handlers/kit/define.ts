// defineJobType: one job type = one folder in handlers/ exporting its catalog entry
// `{type, payload (zod), timeoutMs, route (Hono), onFailed?, dedupKey?, schedule?}`. The route is built
// here from `run`; the scheduler fans a scheduled type out from its `schedule` alone (no per-type code).
import { Hono } from "hono";
import type { z } from "zod";
import type { Db } from "../../db/client.js";
import type { FailedJob, FailureContext, HandlerContext, JobEnvelope } from "./context.js";
import { BadPayloadError } from "./errors.js";
import { describeFields, zodFields } from "./validation.js";

export interface KitEnv {
  Variables: { kit: HandlerContext; envelope: JobEnvelope; requestId: string };
}

/** One job a schedule fans out to. */
export interface ScheduleTarget<P = unknown> {
  orgId: string;
  userId: string;
  /** One live job per key: a target whose previous job is still queued, active or retrying is skipped. */
  dedupKey: string;
  payload: P;
}

export interface JobSchedule<P> {
  /** The cron the type's schedule row is seeded with (5 fields, UTC). */
  defaultCron: string;
  /** The targets of one fan-out at `now`, a page at a time (pages of at most 1,000, in a stable order). */
  targets(ctx: { db: Db }, now: Date): AsyncIterable<ScheduleTarget<P>[]>;
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
  /** The key that keeps one live job per target (the schedule's and any API enqueue of the same target). */
  dedupKey?(payload: P): string;
  /** Set for a type cron keeps fresh. */
  schedule?: JobSchedule<P>;
  /**
   * What a job needs outside, read by the relay before dispatch, so a job that must wait spends no attempt
   * and makes no call: the same for every job of the type (no read), or a function of the row's payload (the
   * relay reads the row, then at most one query; null when the row is gone).
   */
  needs?: JobNeeds | NeedsOf<P>;
}

/**
 * needs() as a function of the payload. Written as a method type so that a catalog of types with different
 * payloads type-checks (method parameters are bivariant, as `onFailed`'s are).
 */
type NeedsOf<P> = { of(ctx: { db: Db }, payload: P): Promise<JobNeeds | null> }["of"];

export interface JobNeeds {
  /** The outside host it calls, for per-host politeness (SCRAPER_HOST_CONCURRENCY at once; reason `host`). */
  host?: string | null;
  /** The dependency whose circuit breaker it obeys (reason `breaker`): `openai`, `platform:x`, `host:<host>`. */
  dependency?: string | null;
  /**
   * Its quota classes: the relay learns each class's quota keys from its jobs' X-Flywheel-Quota reports (a
   * key `<class>:…` belongs to the class) and holds a job while one is exhausted (reason `quota`), e.g.
   * `openai` (keys `openai:<key id>:<model>:requests`), `twitter` (`twitter:app`), `account:<id>`.
   */
  quota?: string | readonly string[] | null;
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
