// New jobs (the lifecycle's create transition, status queued), one statement per batch: the API's rows
// as one JSON parameter; the schedule fan-out's column arrays through `unnest` (a fixed 9 parameters
// whatever the count, so a 1,000-row chunk parses fast). `on conflict do nothing` everywhere: a live job
// with the same dedup key (partial unique index jobs_dedup_key_live) or idempotency key skips the row.
import { eq, sql } from "drizzle-orm";
import type { Db } from "../../client.js";
import { jobs } from "../../schema.js";
import type { JobRow, NewJobRow } from "../jobs.js";
import { alignById } from "../rows.js";

/** The columns a new job is created with (the rest take their defaults). */
export type CreateJobRow = Pick<
  NewJobRow,
  | "id"
  | "orgId"
  | "userId"
  | "type"
  | "priority"
  | "payload"
  | "idempotencyKey"
  | "payloadHash"
  | "dedupKey"
  | "maxAttempts"
  | "runAt"
  | "nextRunAt"
  | "requestId"
>;

/**
 * Many new jobs in one statement (one JSON parameter whatever the count). The answer is
 * aligned with `rows`: the inserted job, or null where a conflict (dedup or idempotency key) skipped it.
 */
export async function insertJobs(db: Db, rows: readonly CreateJobRow[]): Promise<(JobRow | null)[]> {
  const values = rows.map((r) => ({
    id: r.id,
    org_id: r.orgId,
    user_id: r.userId,
    type: r.type,
    priority: r.priority,
    payload: r.payload,
    idempotency_key: r.idempotencyKey ?? null,
    payload_hash: r.payloadHash ?? null,
    dedup_key: r.dedupKey ?? null,
    max_attempts: r.maxAttempts,
    run_at: r.runAt ? r.runAt.toISOString() : null,
    next_run_at: r.nextRunAt ? r.nextRunAt.toISOString() : null,
    request_id: r.requestId ?? null,
  }));
  const res = await db.execute(sql`
    insert into jobs (id, org_id, user_id, type, status, priority, payload, idempotency_key, payload_hash,
      dedup_key, max_attempts, run_at, next_run_at, request_id)
    select id, org_id, user_id, type, 'queued', priority, payload, idempotency_key, payload_hash, dedup_key,
      max_attempts, run_at, next_run_at, request_id
    from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as t(id text, org_id text, user_id text,
      type text, priority text, payload jsonb, idempotency_key text, payload_hash text,
      dedup_key text, max_attempts int, run_at timestamptz, next_run_at timestamptz, request_id text)
    on conflict do nothing
    returning *`);
  return alignById(
    jobs,
    res,
    rows.map((r) => r.id),
  );
}

/**
 * Many new jobs in one statement (the schedule fan-out's chunks: no idempotency key, run time or request
 * id). The answer is aligned with `rows`: the inserted job, or null where a live dedup twin skipped it.
 */
export async function insertQueuedJobs(db: Db, rows: readonly CreateJobRow[]): Promise<(JobRow | null)[]> {
  if (!rows.length) return [];
  // sql.param: one array parameter each (a bare array in sql`` would expand into a list).
  const col = <K extends keyof CreateJobRow>(k: K) => sql.param(rows.map((r) => r[k] ?? null));
  const res = await db.execute(sql`
    insert into jobs (id, org_id, user_id, type, status, priority, payload, payload_hash, dedup_key, max_attempts)
    select id, org_id, user_id, type, 'queued', priority, payload::jsonb, payload_hash, dedup_key, max_attempts
    from unnest(
      ${col("id")}::text[], ${col("orgId")}::text[], ${col("userId")}::text[], ${col("type")}::text[],
      ${col("priority")}::text[], ${sql.param(rows.map((r) => JSON.stringify(r.payload)))}::text[],
      ${col("payloadHash")}::text[], ${col("dedupKey")}::text[], ${col("maxAttempts")}::int[]
    ) as t(id, org_id, user_id, type, priority, payload, payload_hash, dedup_key, max_attempts)
    on conflict do nothing
    returning *`);
  return alignById(
    jobs,
    res,
    rows.map((r) => r.id),
  );
}

/** Frees an idempotency key whose 24 h window has passed. */
export async function releaseIdempotencyKey(db: Db, id: string): Promise<void> {
  await db.update(jobs).set({ idempotencyKey: null }).where(eq(jobs.id, id));
}
