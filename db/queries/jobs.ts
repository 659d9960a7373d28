// Job queries shared by the API, the relay, the reconciler and the CLI.
import { and, desc, eq, gt, inArray, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { type JobStatus, jobRuns, jobs } from "../schema.js";
import { mapRow, rowsOf } from "./rows.js";

export type JobRow = typeof jobs.$inferSelect;
export type NewJobRow = typeof jobs.$inferInsert;
export type JobRunRow = typeof jobRuns.$inferSelect;

export const LIVE_STATUSES: JobStatus[] = ["queued", "active", "retrying"];

/** Inserts a job unless a live job has the same dedup key or the org already used the idempotency key. */
export async function insertJob(db: Db, row: NewJobRow): Promise<JobRow | null> {
  const [inserted] = await db.insert(jobs).values(row).onConflictDoNothing().returning();
  return inserted ?? null;
}

/** The columns a new job is created with (the rest take their defaults). */
export type CreateJobRow = Pick<
  NewJobRow,
  | "id"
  | "orgId"
  | "userId"
  | "type"
  | "status"
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
 * insertJob for many new jobs in one statement (one JSON parameter whatever the count). The answer is
 * aligned with `rows`: the inserted job, or null where a conflict (dedup or idempotency key) skipped it.
 */
export async function insertJobs(db: Db, rows: readonly CreateJobRow[]): Promise<(JobRow | null)[]> {
  const values = rows.map((r) => ({
    id: r.id,
    org_id: r.orgId,
    user_id: r.userId,
    type: r.type,
    status: r.status,
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
    select id, org_id, user_id, type, status, priority, payload, idempotency_key, payload_hash, dedup_key,
      max_attempts, run_at, next_run_at, request_id
    from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as t(id text, org_id text, user_id text,
      type text, status text, priority text, payload jsonb, idempotency_key text, payload_hash text,
      dedup_key text, max_attempts int, run_at timestamptz, next_run_at timestamptz, request_id text)
    on conflict do nothing
    returning *`);
  const byId = new Map<string, JobRow>();
  for (const raw of rowsOf(res)) {
    const row = mapRow(jobs, raw);
    byId.set(row.id, row);
  }
  return rows.map((r) => byId.get(r.id) ?? null);
}

export async function getJob(db: Db, id: string, orgId?: string): Promise<JobRow | null> {
  const [row] = await db
    .select()
    .from(jobs)
    .where(orgId ? and(eq(jobs.id, id), eq(jobs.orgId, orgId)) : eq(jobs.id, id));
  return row ?? null;
}

export async function findByIdempotencyKey(db: Db, orgId: string, key: string): Promise<JobRow | null> {
  const [row] = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.orgId, orgId), eq(jobs.idempotencyKey, key)));
  return row ?? null;
}

export async function releaseIdempotencyKey(db: Db, id: string): Promise<void> {
  await db.update(jobs).set({ idempotencyKey: null }).where(eq(jobs.id, id));
}

export async function findLiveByDedupKey(db: Db, dedupKey: string): Promise<JobRow | null> {
  const [row] = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.dedupKey, dedupKey), inArray(jobs.status, LIVE_STATUSES)));
  return row ?? null;
}

/** Deletes a job that is still queued (an enqueue rolled back); false when it had moved on. */
export async function deleteQueuedJob(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .delete(jobs)
    .where(and(eq(jobs.id, id), eq(jobs.status, "queued")))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

export async function deleteJob(db: Db, id: string): Promise<void> {
  await db.delete(jobs).where(eq(jobs.id, id));
}

export interface ListJobsFilter {
  /** Required by the API (tenant isolation); only the operator CLI lists across organizations. */
  orgId?: string;
  userId?: string;
  status?: JobStatus;
  type?: string;
  limit: number;
  /** Opaque cursor: `${createdAt ISO}|${id}` of the last row seen. */
  cursor?: { createdAt: Date; id: string };
}

export async function listJobs(db: Db, f: ListJobsFilter): Promise<JobRow[]> {
  const conds = f.orgId ? [eq(jobs.orgId, f.orgId)] : [];
  if (f.userId) conds.push(eq(jobs.userId, f.userId));
  if (f.status) conds.push(eq(jobs.status, f.status));
  if (f.type) conds.push(eq(jobs.type, f.type));
  if (f.cursor) {
    const c = or(
      lt(jobs.createdAt, f.cursor.createdAt),
      and(eq(jobs.createdAt, f.cursor.createdAt), lt(jobs.id, f.cursor.id)),
    );
    if (c) conds.push(c);
  }
  return db
    .select()
    .from(jobs)
    .where(and(...conds))
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(f.limit);
}

export async function listRuns(db: Db, jobId: string): Promise<JobRunRow[]> {
  return db
    .select()
    .from(jobRuns)
    .where(eq(jobRuns.jobId, jobId))
    .orderBy(jobRuns.attempt, jobRuns.startedAt);
}

/** Moves a job from one of `from` to `to`; returns the updated row, or null when it was not in `from`. */
export async function transition(
  db: Db,
  id: string,
  from: JobStatus[],
  set: Partial<NewJobRow> & { status: JobStatus },
  orgId?: string,
): Promise<JobRow | null> {
  const where = [eq(jobs.id, id), inArray(jobs.status, from)];
  if (orgId) where.push(eq(jobs.orgId, orgId));
  const [row] = await db
    .update(jobs)
    .set({ ...set, updatedAt: sql`now()` })
    .where(and(...where))
    .returning();
  return row ?? null;
}

/** Deletes finished jobs (and their runs) older than `before`; returns how many. */
export async function purgeFinishedBefore(db: Db, before: Date, batch = 1000): Promise<number> {
  const res = await db.execute(sql`
    delete from jobs where id in (
      select id from jobs
      where status in ('completed', 'failed', 'cancelled') and finished_at < ${before.toISOString()}
      limit ${batch})`);
  return Number(
    (res as { rowCount?: number; affectedRows?: number }).rowCount ??
      (res as { affectedRows?: number }).affectedRows ??
      0,
  );
}

/** Live jobs not touched since `before` (reconciler candidates). */
export async function staleLiveJobs(
  db: Db,
  before: Date,
  opts: { limit?: number; after?: { updatedAt: Date; id: string }; statuses?: JobStatus[] } = {},
): Promise<JobRow[]> {
  const conds = [inArray(jobs.status, opts.statuses ?? LIVE_STATUSES), lt(jobs.updatedAt, before)];
  if (opts.after) {
    const c = or(
      gt(jobs.updatedAt, opts.after.updatedAt),
      and(eq(jobs.updatedAt, opts.after.updatedAt), gt(jobs.id, opts.after.id)),
    );
    if (c) conds.push(c);
  }
  return db
    .select()
    .from(jobs)
    .where(and(...conds))
    .orderBy(jobs.updatedAt, jobs.id)
    .limit(opts.limit ?? 500);
}
