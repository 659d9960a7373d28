// Activation: attempts + 1 and status active for a batch of jobs in one statement (a CTE), with what each
// row was before (a lost attempt, a cancel requested in between, a failure not yet handled). A job still
// waiting past its expires_at is failed with `expired` by the same statement instead (the expire transition).
import { sql } from "drizzle-orm";
import type { Db } from "../../client.js";
import { type JobStatus, jobs } from "../../schema.js";
import type { JobRow } from "../jobs.js";
import { mapRow, rowsOf } from "../rows.js";

const truthy = (v: unknown) => v === true || v === "t";

export interface Activation {
  /** Status before this activation: "active" means the previous attempt was lost (crashed relay). */
  previousStatus: JobStatus;
  previousAttempts: number;
  /** When the row last changed before this activation (a lost attempt's start). */
  previousUpdatedAt: Date;
  cancelRequested: boolean;
  /** A failed job whose onFailed and notification were not done yet (the relay stopped in between). */
  failureUnhandled: boolean;
  /** The job after activation; null when it was not activatable (finished, cancelled, cancel requested, expired). */
  job: JobRow | null;
  /** The job failed with `expired` instead, when it was still waiting past its expiry. */
  expired: JobRow | null;
}

/** The message an expired job fails with. */
export const EXPIRED_MESSAGE = "not started before its expiry (expiresAt)";

/**
 * Activates jobs (attempts + 1, status active) in one statement; the answer is aligned with `ids`, null
 * for an id with no row. Rows are locked in id order, so concurrent batches cannot deadlock.
 */
export async function activateJobs(db: Db, ids: readonly string[]): Promise<(Activation | null)[]> {
  const res = await db.execute(sql`
    with prev as (
      select id, status, attempts, updated_at, cancel_requested_at, failure_handled_at,
        status in ('queued', 'retrying') and cancel_requested_at is null and expires_at <= now() as expired
      from jobs
      where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
      order by id for update
    ), upd as (
      update jobs j set status = 'active', attempts = j.attempts + 1,
        started_at = coalesce(j.started_at, now()), next_run_at = null, updated_at = now(),
        waiting_reason = null, waiting_key = null, waiting_until = null, waiting_since = null
      from prev
      where j.id = prev.id and prev.status in ('queued', 'retrying', 'active') and prev.cancel_requested_at is null
        and prev.expired is not true
      returning j.*, 'activated' as outcome
    ), exp as (
      update jobs j set status = 'failed', error_code = 'expired', error_message = ${EXPIRED_MESSAGE},
        next_run_at = null, finished_at = now(), updated_at = now(),
        waiting_reason = null, waiting_key = null, waiting_until = null, waiting_since = null
      from prev
      where j.id = prev.id and prev.expired
      returning j.*, 'expired' as outcome
    )
    select prev.id as prev_id, prev.status as prev_status, prev.attempts as prev_attempts,
      prev.updated_at as prev_updated_at, prev.cancel_requested_at is not null as prev_cancel,
      prev.status = 'failed' and prev.failure_handled_at is null as prev_unhandled, u.*
    from prev left join (select * from upd union all select * from exp) u on u.id = prev.id`);
  const byId = new Map<string, Activation>();
  for (const raw of rowsOf(res)) {
    byId.set(String(raw.prev_id), {
      previousStatus: raw.prev_status as JobStatus,
      previousAttempts: Number(raw.prev_attempts),
      previousUpdatedAt: new Date(String(raw.prev_updated_at)),
      cancelRequested: truthy(raw.prev_cancel),
      failureUnhandled: truthy(raw.prev_unhandled),
      job: raw.outcome === "activated" ? mapRow(jobs, raw) : null,
      expired: raw.outcome === "expired" ? mapRow(jobs, raw) : null,
    });
  }
  return ids.map((id) => byId.get(id) ?? null);
}
