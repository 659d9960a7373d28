// Job reads shared by the API, the relay, the reconciler and the CLI (writes: db/queries/lifecycle/).
import { and, desc, eq, gt, inArray, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { type JobStatus, jobRuns, jobs } from "../schema.js";

export type JobRow = typeof jobs.$inferSelect;
export type NewJobRow = typeof jobs.$inferInsert;
export type JobRunRow = typeof jobRuns.$inferSelect;

export const LIVE_STATUSES: JobStatus[] = ["queued", "active", "retrying"];

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

export async function findLiveByDedupKey(db: Db, dedupKey: string): Promise<JobRow | null> {
  const [row] = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.dedupKey, dedupKey), inArray(jobs.status, LIVE_STATUSES)));
  return row ?? null;
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
