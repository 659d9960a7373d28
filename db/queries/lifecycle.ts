// The relay's writes, one statement each (CTEs), so an attempt costs two statements: activate and finish.
import { sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { type JobStatus, jobs, type RunOutcome } from "../schema.js";
import type { JobRow } from "./jobs.js";
import { mapRow, rowsOf } from "./rows.js";

export interface Activation {
  /** Status before this activation: "active" means the previous attempt was lost (crashed relay). */
  previousStatus: JobStatus;
  previousAttempts: number;
  /** When the row last changed before this activation (a lost attempt's start). */
  previousUpdatedAt: Date;
  cancelRequested: boolean;
  /** A failed job whose onFailed and notification were not done yet (the relay stopped in between). */
  failureUnhandled: boolean;
  /** The job after activation; null when it was not activatable (finished, cancelled, or cancel requested). */
  job: JobRow | null;
}

export async function activateJob(db: Db, id: string): Promise<Activation | null> {
  const res = await db.execute(sql`
    with prev as (
      select id, status, attempts, updated_at, cancel_requested_at, failure_handled_at from jobs where id = ${id} for update
    ), upd as (
      update jobs j set status = 'active', attempts = j.attempts + 1,
        started_at = coalesce(j.started_at, now()), next_run_at = null, updated_at = now()
      from prev
      where j.id = prev.id and prev.status in ('queued', 'retrying', 'active') and prev.cancel_requested_at is null
      returning j.*
    )
    select prev.status as prev_status, prev.attempts as prev_attempts, prev.updated_at as prev_updated_at,
      prev.cancel_requested_at is not null as prev_cancel,
      prev.status = 'failed' and prev.failure_handled_at is null as prev_unhandled, upd.*
    from prev left join upd on true`);
  const raw = rowsOf(res)[0];
  if (!raw) return null;
  return {
    previousStatus: raw.prev_status as JobStatus,
    previousAttempts: Number(raw.prev_attempts),
    previousUpdatedAt: new Date(String(raw.prev_updated_at)),
    cancelRequested: raw.prev_cancel === true || raw.prev_cancel === "t",
    failureUnhandled: raw.prev_unhandled === true || raw.prev_unhandled === "t",
    job: raw.id ? mapRow(jobs, raw) : null,
  };
}

export interface RunRecord {
  id: string;
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  outcome: RunOutcome;
  httpStatus?: number | null;
  errorCode?: string | null;
  error?: string | null;
}

export interface FinishUpdate {
  status: JobStatus;
  result?: unknown;
  errorCode?: string | null;
  errorMessage?: string | null;
  nextRunAt?: Date | null;
  /** 1 to give the attempt back (rate-limited waits spend none). */
  refundAttempt?: boolean;
  rateLimited?: boolean;
  finished?: boolean;
  /** Only update when the job is in one of these statuses. @default ["active"] */
  from?: JobStatus[];
}

/** Records a run and moves the job on, in one statement. Returns the job, or null if it had moved on. */
export async function finishAttempt(
  db: Db,
  jobId: string,
  run: RunRecord,
  u: FinishUpdate,
): Promise<JobRow | null> {
  const from = u.from ?? ["active"];
  // The run is recorded only when the job moved, so a job that had moved on gets no stray run. A write
  // repeated after a lost reply matches nothing: the caller checks runRecorded() to tell it from a cancel.
  const res = await db.execute(sql`
    with upd as (
    update jobs set status = ${u.status},
      result = ${u.result === undefined ? null : JSON.stringify(u.result)}::jsonb,
      error_code = ${u.errorCode ?? null}, error_message = ${u.errorMessage ?? null},
      next_run_at = ${u.nextRunAt ? u.nextRunAt.toISOString() : null},
      attempts = attempts - ${u.refundAttempt ? 1 : 0},
      rate_limited_count = rate_limited_count + ${u.rateLimited ? 1 : 0},
      finished_at = ${u.finished ? run.finishedAt.toISOString() : null},
      updated_at = now()
    where id = ${jobId} and status in (${sql.join(
      from.map((s) => sql`${s}`),
      sql`, `,
    )})
    returning *
    ), run as (
      insert into job_runs (id, job_id, attempt, started_at, finished_at, duration_ms, outcome, http_status, error_code, error)
      select ${run.id}::text, ${jobId}::text, ${run.attempt}::int, ${run.startedAt.toISOString()}::timestamptz,
        ${run.finishedAt.toISOString()}::timestamptz, ${Math.max(0, run.finishedAt.getTime() - run.startedAt.getTime())}::int,
        ${run.outcome}::text, ${run.httpStatus ?? null}::int, ${run.errorCode ?? null}::text, ${run.error ?? null}::text
      from upd
      on conflict (id) do nothing
    )
    select * from upd`);
  const raw = rowsOf(res)[0];
  return raw ? mapRow(jobs, raw) : null;
}

/** Whether a run was recorded (a status write whose reply was lost may have committed). */
export async function runRecorded(db: Db, runId: string): Promise<boolean> {
  const res = await db.execute(sql`select 1 from job_runs where id = ${runId}`);
  return rowsOf(res).length > 0;
}

/** Marks a failed job's onFailed and notification as done. */
export async function markFailureHandled(db: Db, jobId: string): Promise<void> {
  await db.execute(sql`update jobs set failure_handled_at = now() where id = ${jobId}`);
}
