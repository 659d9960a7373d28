// How an attempt ends: the run row and the job's next status in one statement (a CTE) for a whole batch
// of jobs; the relay's transitions complete, wait, retry, fail, cancel and lost all go through it.
import { sql } from "drizzle-orm";
import type { Db } from "../../client.js";
import { type JobStatus, jobs, type RunOutcome } from "../../schema.js";
import type { JobRow } from "../jobs.js";
import { alignById, rowsOf } from "../rows.js";

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

export interface Finish {
  jobId: string;
  run: RunRecord;
  update: FinishUpdate;
}

/** Postgres text cannot hold NUL; a handler's message or result might. */
const noNul = (s: string | null | undefined) => (s == null ? null : s.replaceAll("\u0000", "\uFFFD"));

/**
 * Records each run and moves its job on, all in one statement. The answer is aligned with `items`: the job,
 * or null where it had moved on. A run is recorded only when its job moved, so a job that had moved on
 * gets no stray run; a write repeated after a lost reply matches nothing, and the caller checks
 * runRecorded() to tell it from a cancel.
 */
export async function finishAttempts(db: Db, items: readonly Finish[]): Promise<(JobRow | null)[]> {
  const rows = items.map(({ jobId, run, update: u }) => ({
    job_id: jobId,
    status: u.status,
    result:
      u.result === undefined
        ? null
        : JSON.stringify(u.result, (_k, v) => (typeof v === "string" ? noNul(v) : v)),
    error_code: noNul(u.errorCode),
    error_message: noNul(u.errorMessage),
    next_run_at: u.nextRunAt ? u.nextRunAt.toISOString() : null,
    refund: u.refundAttempt ? 1 : 0,
    rate_limited: u.rateLimited ? 1 : 0,
    finished_at: u.finished ? run.finishedAt.toISOString() : null,
    from_statuses: (u.from ?? ["active"]).join(","),
    run_id: run.id,
    attempt: run.attempt,
    started_at: run.startedAt.toISOString(),
    run_finished_at: run.finishedAt.toISOString(),
    duration_ms: Math.max(0, run.finishedAt.getTime() - run.startedAt.getTime()),
    outcome: run.outcome,
    http_status: run.httpStatus ?? null,
    run_error_code: noNul(run.errorCode),
    run_error: noNul(run.error),
  }));
  const res = await db.execute(sql`
    with v as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(job_id text, status text,
        result text, error_code text, error_message text, next_run_at timestamptz, refund int, rate_limited int,
        finished_at timestamptz, from_statuses text, run_id text, attempt int, started_at timestamptz,
        run_finished_at timestamptz, duration_ms int, outcome text, http_status int, run_error_code text,
        run_error text)
    ), upd as (
      update jobs j set status = v.status, result = v.result::jsonb, error_code = v.error_code,
        error_message = v.error_message, next_run_at = v.next_run_at, attempts = j.attempts - v.refund,
        rate_limited_count = j.rate_limited_count + v.rate_limited, finished_at = v.finished_at,
        updated_at = now()
      from v
      where j.id = v.job_id and j.status = any(string_to_array(v.from_statuses, ','))
      returning j.*
    ), run as (
      insert into job_runs (id, job_id, attempt, started_at, finished_at, duration_ms, outcome, http_status, error_code, error)
      select v.run_id, v.job_id, v.attempt, v.started_at, v.run_finished_at, v.duration_ms, v.outcome,
        v.http_status, v.run_error_code, v.run_error
      from v join upd on upd.id = v.job_id
      on conflict (id) do nothing
    )
    select * from upd`);
  return alignById(
    jobs,
    res,
    items.map((i) => i.jobId),
  );
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
