// The public shape of a job and a run (API, SSE, CLI): no org id, no internal keys.
import type { JobRow, JobRunRow } from "../../db/queries/jobs.js";

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function jobView(j: JobRow) {
  return {
    id: j.id,
    type: j.type,
    userId: j.userId,
    status: j.status,
    priority: j.priority,
    payload: j.payload,
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    idempotencyKey: j.idempotencyKey,
    runAt: iso(j.runAt),
    nextRunAt: iso(j.nextRunAt),
    expiresAt: iso(j.expiresAt),
    waitingOn: j.waitingReason
      ? { reason: j.waitingReason, key: j.waitingKey, until: iso(j.waitingUntil) }
      : null,
    result: j.result ?? null,
    error: j.errorCode || j.errorMessage ? { code: j.errorCode, message: j.errorMessage } : null,
    createdAt: iso(j.createdAt),
    updatedAt: iso(j.updatedAt),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
  };
}

export type JobView = ReturnType<typeof jobView>;

export function runView(r: JobRunRow) {
  return {
    id: r.id,
    attempt: r.attempt,
    outcome: r.outcome,
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    durationMs: r.durationMs,
    httpStatus: r.httpStatus,
    error: r.errorCode || r.error ? { code: r.errorCode, message: r.error } : null,
  };
}
