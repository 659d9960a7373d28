// One attempt of one job, as named steps: activate, recover a lost attempt, dispatch, record, apply the
// answer. Status changes are the lifecycle's (src/lifecycle); this decides which, and drives BullMQ's
// control flow (DelayedError for a retry wait, UnrecoverableError for a failure).
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Db } from "../../db/client.js";
import { getJob, type JobRow } from "../../db/queries/jobs.js";
import type { Activation } from "../../db/queries/lifecycle/activate.js";
import type { RunRecord } from "../../db/queries/lifecycle/finish.js";
import { recordScheduleExpired } from "../../db/queries/schedules.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import { newId } from "../../handlers/kit/ids.js";
import type { Lifecycle } from "../lifecycle/lifecycle.js";
import type { Logger } from "../logger.js";
import type { QueueJobData } from "../queue/queues.js";
import { withDbRetry } from "../runtime/db-retry.js";
import { type AnswerTableOptions, type Decision, decide, runOutcome } from "./answer-table.js";
import type { DispatchOptions, dispatch, Outcome } from "./dispatch.js";
import { handleFailure } from "./failure.js";

export interface AttemptDeps extends AnswerTableOptions {
  db: Db;
  lifecycle: Lifecycle;
  catalog: Catalog;
  log: Logger;
  handlersUrl: string;
  signingKey: string;
  /** Calls the handler. @default dispatch (signed HTTP) */
  dispatch: typeof dispatch;
  onOutcome?: (info: {
    type: string;
    outcome: string;
    durationMs: number;
    httpStatus: number | null;
    /** The job's status after this attempt (completed, retrying, failed, cancelled). */
    status?: string;
  }) => void;
}

interface Dispatched {
  outcome: Outcome;
  startedAt: Date;
  finishedAt: Date;
}

export class Attempt {
  constructor(private readonly deps: AttemptDeps) {}

  /**
   * Runs one attempt of a BullMQ job; returns BullMQ's result or throws its control-flow errors. `onAnswer`
   * sees the handler's answer first (the flow gate records quotas and the breaker, and may turn a failure
   * into a wait).
   */
  async run(
    job: Job<QueueJobData>,
    token: string | undefined,
    timeoutMs: number,
    cancel: AbortSignal,
    onAnswer?: (outcome: Outcome) => Promise<Outcome>,
  ) {
    const jobId = job.id!;
    const activation = await this.activate(jobId);
    if (!activation) return null; // row purged or never existed: nothing to do
    if (!activation.job) {
      await this.settleInactive(jobId, activation);
      return null; // finished or cancelled meanwhile
    }
    const row = activation.job;
    if (activation.previousStatus === "active") await this.recoverLost(row, activation);
    const requestId = job.data.requestId ?? jobId;
    const sent = await this.dispatch(row, { timeoutMs, requestId, cancel });
    if (onAnswer) sent.outcome = await onAnswer(sent.outcome);
    const decision = decide(row, sent.outcome, sent.finishedAt, this.deps);
    const run = this.report(row, requestId, sent, decision);
    const next = await this.record(jobId, decision, run);
    if (!next) return null; // cancelled meanwhile (the cancel wrote its own status)
    return this.applyAnswer(next, decision, sent.outcome, job, token);
  }

  /** Step 1: attempts + 1, status active (batched with the other slots' activations). */
  activate(jobId: string): Promise<Activation | null> {
    return withDbRetry(() => this.deps.lifecycle.activate(jobId), this.deps.log);
  }

  /**
   * A job that could not be activated: it expired (failed now: notification, onFailed, the schedule's
   * expired count), a cancel is pending, or a failure was left half-handled.
   */
  async settleInactive(jobId: string, activation: Activation): Promise<void> {
    const { lifecycle, log, db } = this.deps;
    if (activation.expired) {
      const row = activation.expired;
      log.info(
        { jobId, type: row.type, orgId: row.orgId, expiresAt: row.expiresAt?.toISOString() },
        "job expired",
      );
      if (row.dedupKey && this.deps.catalog.get(row.type)?.schedule)
        await withDbRetry(() => recordScheduleExpired(db, row.type), log);
      await handleFailure(this.deps, row);
      return;
    }
    if (activation.cancelRequested && activation.previousStatus !== "cancelled") {
      const at = new Date();
      await withDbRetry(
        () =>
          lifecycle.finish(
            jobId,
            "cancelBeforeRun",
            {
              id: newId("run"),
              attempt: 0,
              startedAt: at,
              finishedAt: at,
              outcome: "cancelled",
              error: "cancelled before it ran",
            },
            { errorCode: "cancelled", errorMessage: "cancelled by request", finished: true },
          ),
        log,
      );
    }
    if (activation.failureUnhandled) {
      // Failed for good by a relay that stopped before onFailed and the notification: do them now.
      const failed = await withDbRetry(() => getJob(db, jobId), log);
      if (failed) await handleFailure(this.deps, failed);
    }
  }

  /**
   * Step 2: the previous attempt never reported back (its relay died): record it as lost. When that was
   * the last attempt the job fails (onFailed, notification) and BullMQ is told it is unrecoverable.
   */
  async recoverLost(row: JobRow, activation: Activation): Promise<void> {
    const at = new Date();
    const startedAt = activation.previousUpdatedAt;
    const run: RunRecord = {
      id: newId("run"),
      attempt: activation.previousAttempts,
      startedAt: Number.isNaN(startedAt.getTime()) ? at : startedAt,
      finishedAt: at,
      outcome: "lost",
      errorCode: "lost",
      error: "the relay running this attempt stopped before it answered",
    };
    this.deps.log.warn(
      {
        jobId: row.id,
        type: row.type,
        requestId: row.requestId ?? row.id,
        attempt: run.attempt,
        outcome: "lost",
      },
      "job attempt",
    );
    const finish = (transition: "recordLost" | "failLost", fields = {}) =>
      withDbRetry(() => this.deps.lifecycle.finish(row.id, transition, run, fields), this.deps.log);
    if (row.attempts <= row.maxAttempts) {
      await finish("recordLost");
      return;
    }
    let failed = await finish("failLost", {
      errorCode: "lost",
      errorMessage: `failed after ${row.maxAttempts} attempts: the last attempt was lost (relay stopped)`,
      refundAttempt: true,
      finished: true,
    });
    // A write whose reply was lost may have committed: then the job failed, and must not be dispatched.
    if (!failed && (await withDbRetry(() => this.deps.lifecycle.runRecorded(run.id), this.deps.log)))
      failed = await withDbRetry(() => getJob(this.deps.db, row.id), this.deps.log);
    if (failed) {
      await handleFailure(this.deps, failed);
      throw new UnrecoverableError(failed.errorMessage ?? "lost");
    }
    // Moved on meanwhile (a cancel): nothing to run.
    throw new UnrecoverableError("the job moved on while its lost attempt was recorded");
  }

  /** Step 3: the signed call to the handler, bounded by the type's timeout and the cancel signal. */
  async dispatch(
    row: JobRow,
    o: Pick<DispatchOptions, "timeoutMs" | "requestId"> & { cancel: AbortSignal },
  ): Promise<Dispatched> {
    const startedAt = new Date();
    const outcome = await this.deps.dispatch(
      {
        jobId: row.id,
        type: row.type,
        orgId: row.orgId,
        userId: row.userId,
        attempt: row.attempts,
        maxAttempts: row.maxAttempts,
        payload: row.payload,
      },
      { handlersUrl: this.deps.handlersUrl, signingKey: this.deps.signingKey, ...o },
    );
    return { outcome, startedAt, finishedAt: new Date() };
  }

  /** The run row for an answer, logged as "job attempt" and counted in the metrics. */
  report(row: JobRow, requestId: string, sent: Dispatched, decision: Decision): RunRecord {
    const { outcome, startedAt, finishedAt } = sent;
    const run: RunRecord = {
      id: newId("run"),
      attempt: row.attempts,
      startedAt,
      finishedAt,
      outcome: runOutcome(outcome, decision.transition),
      httpStatus: "httpStatus" in outcome ? outcome.httpStatus : null,
      errorCode: outcome.kind === "completed" ? null : "code" in outcome ? outcome.code : outcome.kind,
      error: outcome.kind === "completed" ? null : outcome.message,
    };
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    const { log } = this.deps;
    log[outcome.kind === "completed" ? "info" : run.outcome === "failed" ? "warn" : "info"](
      {
        jobId: row.id,
        type: row.type,
        orgId: row.orgId,
        userId: row.userId,
        requestId,
        attempt: row.attempts,
        maxAttempts: row.maxAttempts,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs,
        outcome: run.outcome,
        httpStatus: run.httpStatus,
        errorCode: run.errorCode,
        error: run.error,
        ...(decision.delayMs !== null ? { retryInMs: decision.delayMs } : {}),
      },
      "job attempt",
    );
    if (outcome.kind === "retry" && outcome.code === "signature_rejected") {
      log.error(
        { jobId: row.id, type: row.type, requestId },
        "handler refused the relay's signature: check QSTASH_*_SIGNING_KEY on both sides",
      );
    }
    this.deps.onOutcome?.({
      type: row.type,
      outcome: run.outcome,
      durationMs,
      httpStatus: run.httpStatus ?? null,
      status:
        decision.transition === "complete"
          ? "completed"
          : decision.transition === "fail"
            ? "failed"
            : decision.transition === "cancelRunning"
              ? "cancelled"
              : "retrying",
    });
    return run;
  }

  /**
   * Step 4: the run and the job's transition in one (batched) statement. A write whose reply was lost may
   * have committed: when its run is there, the job is read back; null means a cancel moved it first.
   */
  async record(jobId: string, decision: Decision, run: RunRecord): Promise<JobRow | null> {
    const { lifecycle, log, db } = this.deps;
    const next = await withDbRetry(
      () => lifecycle.finish(jobId, decision.transition, run, decision.fields),
      log,
    );
    if (next) return next;
    if (await withDbRetry(() => lifecycle.runRecorded(run.id), log))
      return withDbRetry(() => getJob(db, jobId), log);
    return null;
  }

  /** Step 5: BullMQ's side: wait for the retry, fail for good (onFailed, notification), or done. */
  async applyAnswer(
    row: JobRow,
    decision: Decision,
    outcome: Outcome,
    job: Job<QueueJobData>,
    token: string | undefined,
  ): Promise<unknown> {
    if (row.status === "retrying" && decision.delayMs !== null) {
      await job.moveToDelayed(Date.now() + decision.delayMs, token);
      throw new DelayedError();
    }
    if (row.status === "failed") {
      await handleFailure(this.deps, row);
      throw new UnrecoverableError(row.errorMessage ?? "failed");
    }
    return outcome.kind === "completed" ? { ok: true } : null;
  }
}
