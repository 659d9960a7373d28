// The relay owns the job lifecycle: one BullMQ Worker per job type pulls jobs, activates them in Postgres,
// calls the handler over signed HTTP (dispatch.ts), and applies the answer: completed, retry with backoff,
// rate-limited wait (no attempt spent), failed (onFailed + notification) or cancelled. BullMQ's own retry
// counter is unused (attempts: 1): attempts live in Postgres so lost (stalled) attempts count too.
import { DelayedError, type Job, UnrecoverableError, Worker, type WorkerOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { getJob, type JobRow } from "../../db/queries/jobs.js";
import {
  type Activation,
  activateJobs,
  type Finish,
  type FinishUpdate,
  finishAttempts,
  markFailureHandled,
  type RunRecord,
  runRecorded,
} from "../../db/queries/lifecycle.js";
import { insertNotification, jobHasNotification } from "../../db/queries/notifications.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import { systemClock } from "../../handlers/kit/context.js";
import { coerceError } from "../../handlers/kit/errors.js";
import { newId } from "../../handlers/kit/ids.js";
import type { EventBus } from "../events/bus.js";
import { cancelChannel } from "../jobs/service.js";
import { jobView } from "../jobs/view.js";
import type { Logger } from "../logger.js";
import { KEEP_COMPLETED, KEEP_FAILED, type QueueJobData } from "../queue/queues.js";
import { selfClockingBatch } from "../runtime/batch.js";
import { withDbRetry } from "../runtime/db-retry.js";
import { decide, runOutcome } from "./answer-table.js";
import { dispatch, type Outcome } from "./dispatch.js";
import { OrgCap } from "./org-cap.js";
import { AdaptiveStalledCheck } from "./stalled-check.js";

export interface RelayOptions {
  db: Db;
  /** Connection for the workers (BullMQ needs maxRetriesPerRequest: null). */
  connection: Redis;
  prefix: string;
  catalog: Catalog;
  events: EventBus;
  log: Logger;
  handlersUrl: string;
  signingKey: string;
  retryDelaysMs: readonly number[];
  /** Total concurrency split over the types (each type gets its override or an equal share). @default 100 */
  concurrency: number;
  typeConcurrency?: Record<string, number>;
  orgMaxActive: number;
  rateLimitMaxWaits: number;
  rateLimitMaxAgeMs: number;
  lockDurationMs: number;
  /** Stalled-job check interval while this relay is busy. */
  stalledIntervalMs: number;
  /** …and once it has been idle for 5 minutes (fewer idle Redis commands). @default stalledIntervalMs */
  stalledIdleIntervalMs?: number;
  drainDelayS: number;
  /** BullMQ's telemetry option (bullmq-otel) when tracing is on. */
  telemetry?: WorkerOptions["telemetry"];
  /** Only run these types (default: every type in the catalog). */
  types?: string[];
  onOutcome?: (info: {
    type: string;
    outcome: string;
    durationMs: number;
    httpStatus: number | null;
    /** The job's status after this attempt (completed, retrying, failed, cancelled). */
    status?: string;
  }) => void;
}

export class Relay {
  private readonly workers: Worker<QueueJobData>[] = [];
  private readonly inFlight = new Map<string, AbortController>();
  private readonly orgCap: OrgCap;
  /** Status writes of all worker slots, batched: one statement per batch of activations or finishes. */
  private readonly activations;
  private readonly finishes;
  private subscriber: Redis | null = null;
  private stalledCheck: AdaptiveStalledCheck | null = null;

  constructor(private readonly o: RelayOptions) {
    this.orgCap = new OrgCap(o.connection, o.prefix, o.orgMaxActive);
    this.activations = selfClockingBatch<string, Activation | null>((ids) => activateJobs(o.db, ids));
    this.finishes = selfClockingBatch<Finish, JobRow | null>((items) => finishAttempts(o.db, items));
  }

  private finish(jobId: string, run: RunRecord, update: FinishUpdate): Promise<JobRow | null> {
    return withDbRetry(() => this.finishes.load({ jobId, run, update }), this.o.log);
  }

  get activeCount(): number {
    return this.inFlight.size;
  }

  async start(): Promise<void> {
    const types = this.o.types ?? [...this.o.catalog.types()];
    const share = Math.max(1, Math.floor(this.o.concurrency / Math.max(1, types.length)));
    for (const type of types) {
      const concurrency = this.o.typeConcurrency?.[type] ?? share;
      const worker = new Worker<QueueJobData>(type, (job, token) => this.process(job, token), {
        connection: this.o.connection,
        prefix: this.o.prefix,
        concurrency,
        lockDuration: this.o.lockDurationMs,
        stalledInterval: this.o.stalledIntervalMs,
        // Lost attempts are counted in Postgres (activateJobs); BullMQ must not fail stalled jobs itself.
        maxStalledCount: 1000,
        drainDelay: this.o.drainDelayS,
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
        autorun: true,
        ...(this.o.telemetry ? { telemetry: this.o.telemetry } : {}),
      });
      worker.on("error", (err) => this.o.log.warn({ type, err: err.message }, "relay worker error"));
      worker.on("active", () => this.stalledCheck?.activity());
      this.workers.push(worker);
    }
    this.stalledCheck = new AdaptiveStalledCheck(this.workers, {
      fastMs: this.o.stalledIntervalMs,
      slowMs: this.o.stalledIdleIntervalMs ?? this.o.stalledIntervalMs,
    });
    this.stalledCheck.start();
    this.subscriber = this.o.connection.duplicate();
    this.subscriber.on("error", () => {});
    this.subscriber.on("message", (_channel, jobId: string) => this.inFlight.get(jobId)?.abort());
    await this.subscriber.subscribe(cancelChannel(this.o.prefix));
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /**
   * Stops taking jobs and lets active ones finish within `graceMs`; after that it stops waiting for them:
   * their locks lapse and other relays take them over as lost attempts.
   */
  async stop(graceMs = 30_000): Promise<void> {
    this.stalledCheck?.stop();
    const closing = Promise.all(this.workers.map((w) => w.close()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      closing.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.o.log.warn(
        { active: this.inFlight.size },
        "grace period over; abandoning active jobs to other relays",
      );
      await Promise.all(this.workers.map((w) => w.close(true)));
    }
    this.subscriber?.disconnect();
    // Give the organizations' slots back now rather than at lease expiry (not waiting long on a lost Redis).
    await Promise.race([this.orgCap.sweep(true), new Promise((r) => setTimeout(r, 2_000).unref())]);
  }

  private async process(job: Job<QueueJobData>, token?: string): Promise<unknown> {
    const def = this.o.catalog.get(job.name);
    if (!def) throw new UnrecoverableError(`unknown job type ${job.name}`);
    const slot = await this.orgCap.acquire(job.data.orgId, def.timeoutMs);
    if (!slot) {
      // Come back in 2-5 s: long enough that a capped flood does not spin through Redis.
      await job.moveToDelayed(Date.now() + 2_000 + Math.floor(Math.random() * 3_000), token);
      throw new DelayedError();
    }
    try {
      return await this.run(job, token, def.timeoutMs);
    } finally {
      this.orgCap.release(job.data.orgId, slot);
    }
  }

  private async run(job: Job<QueueJobData>, token: string | undefined, timeoutMs: number): Promise<unknown> {
    const jobId = job.id!;
    // Registered before activation, so a cancel published from now on is never missed.
    const controller = new AbortController();
    this.inFlight.set(jobId, controller);
    try {
      return await this.attempt(job, token, timeoutMs, controller);
    } finally {
      this.inFlight.delete(jobId);
    }
  }

  private async attempt(
    job: Job<QueueJobData>,
    token: string | undefined,
    timeoutMs: number,
    controller: AbortController,
  ): Promise<unknown> {
    const { db, log } = this.o;
    const jobId = job.id!;
    const activation = await withDbRetry(() => this.activations.load(jobId), log);
    if (!activation) return null; // row purged or never existed: nothing to do
    if (!activation.job) {
      if (activation.cancelRequested && activation.previousStatus !== "cancelled") {
        await this.cancelBeforeRun(jobId);
      }
      if (activation.failureUnhandled) {
        // Failed for good by a relay that stopped before onFailed and the notification: do them now.
        const failed = await withDbRetry(() => getJob(db, jobId), log);
        if (failed) await this.failedForGood(failed);
      }
      return null; // finished or cancelled meanwhile
    }
    let row = activation.job;
    if (activation.previousStatus === "active") {
      // The previous attempt never reported back (its relay died): record it as lost.
      const lost = await this.lostAttempt(row, activation.previousAttempts, activation.previousUpdatedAt);
      if (lost) {
        await this.failedForGood(lost);
        throw new UnrecoverableError(lost.errorMessage ?? "lost");
      }
    }
    this.emit(row);
    const startedAt = new Date();
    const outcome: Outcome = await dispatch(
      {
        jobId,
        type: row.type,
        orgId: row.orgId,
        userId: row.userId,
        attempt: row.attempts,
        maxAttempts: row.maxAttempts,
        payload: row.payload,
      },
      {
        handlersUrl: this.o.handlersUrl,
        signingKey: this.o.signingKey,
        timeoutMs,
        requestId: job.data.requestId ?? jobId,
        cancel: controller.signal,
      },
    );
    const finishedAt = new Date();
    const { update, delayMs } = decide(row, outcome, finishedAt, this.o);
    const run: RunRecord = {
      id: newId("run"),
      attempt: row.attempts,
      startedAt,
      finishedAt,
      outcome: runOutcome(outcome, update.status),
      httpStatus: "httpStatus" in outcome ? outcome.httpStatus : null,
      errorCode: outcome.kind === "completed" ? null : "code" in outcome ? outcome.code : outcome.kind,
      error: outcome.kind === "completed" ? null : outcome.message,
    };
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    log[outcome.kind === "completed" ? "info" : run.outcome === "failed" ? "warn" : "info"](
      {
        jobId,
        type: row.type,
        orgId: row.orgId,
        userId: row.userId,
        requestId: job.data.requestId ?? jobId,
        attempt: row.attempts,
        maxAttempts: row.maxAttempts,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs,
        outcome: run.outcome,
        httpStatus: run.httpStatus,
        errorCode: run.errorCode,
        error: run.error,
        ...(delayMs !== null ? { retryInMs: delayMs } : {}),
      },
      "job attempt",
    );
    if (outcome.kind === "retry" && outcome.code === "signature_rejected") {
      log.error(
        { jobId, type: row.type, requestId: job.data.requestId ?? jobId },
        "handler refused the relay's signature: check QSTASH_*_SIGNING_KEY on both sides",
      );
    }
    this.o.onOutcome?.({
      type: row.type,
      outcome: run.outcome,
      durationMs,
      httpStatus: run.httpStatus ?? null,
      status: update.status,
    });
    let next = await this.finish(jobId, run, update);
    if (!next && (await withDbRetry(() => runRecorded(db, run.id), log))) {
      next = await withDbRetry(() => getJob(db, jobId), log); // our write committed; its reply was lost
    }
    if (!next) return null; // cancelled meanwhile (the cancel wrote its own status)
    row = next;
    this.emit(row);
    if (update.status === "retrying" && delayMs !== null) {
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
    if (update.status === "failed") {
      await this.failedForGood(row);
      throw new UnrecoverableError(row.errorMessage ?? "failed");
    }
    return outcome.kind === "completed" ? { ok: true } : null;
  }

  /** Records the lost attempt; returns the failed job when that was the last attempt. */
  private async lostAttempt(row: JobRow, lostAttempt: number, lostStartedAt: Date): Promise<JobRow | null> {
    const at = new Date();
    const overLimit = row.attempts > row.maxAttempts;
    const run: RunRecord = {
      id: newId("run"),
      attempt: lostAttempt,
      startedAt: Number.isNaN(lostStartedAt.getTime()) ? at : lostStartedAt,
      finishedAt: at,
      outcome: "lost",
      errorCode: "lost",
      error: "the relay running this attempt stopped before it answered",
    };
    this.o.log.warn(
      {
        jobId: row.id,
        type: row.type,
        requestId: row.requestId ?? row.id,
        attempt: lostAttempt,
        outcome: "lost",
      },
      "job attempt",
    );
    if (!overLimit) {
      await this.finish(row.id, run, { status: "active" });
      return null;
    }
    return this.finish(row.id, run, {
      status: "failed",
      errorCode: "lost",
      errorMessage: `failed after ${row.maxAttempts} attempts: the last attempt was lost (relay stopped)`,
      refundAttempt: true,
      finished: true,
    });
  }

  /** A cancel requested while the job was between states: end it cancelled without calling the handler. */
  private async cancelBeforeRun(jobId: string) {
    const at = new Date();
    const row = await this.finish(
      jobId,
      {
        id: newId("run"),
        attempt: 0,
        startedAt: at,
        finishedAt: at,
        outcome: "cancelled",
        error: "cancelled before it ran",
      },
      {
        status: "cancelled",
        errorCode: "cancelled",
        errorMessage: "cancelled by request",
        finished: true,
        from: ["queued", "retrying", "active"],
      },
    );
    if (row) this.emit(row);
  }

  /** Permanent failure: the type's onFailed, then the user's notification (outbox). */
  private async failedForGood(row: JobRow): Promise<void> {
    const { db } = this.o;
    const log = this.o.log.child({ jobId: row.id, type: row.type, requestId: row.requestId ?? row.id });
    const def = this.o.catalog.get(row.type);
    let notify = true;
    if (def?.onFailed) {
      try {
        const answer = await def.onFailed(
          { db, clock: systemClock, log },
          {
            jobId: row.id,
            type: row.type,
            orgId: row.orgId,
            userId: row.userId,
            payload: row.payload,
            errorCode: row.errorCode,
            errorMessage: row.errorMessage ?? "failed",
          },
        );
        if (answer && answer.notify === false) notify = false;
      } catch (err) {
        log.error({ err: coerceError(err).message }, "onFailed threw");
      }
    }
    if (notify && !(await withDbRetry(() => jobHasNotification(db, row.id), log))) {
      await withDbRetry(
        () =>
          insertNotification(db, {
            orgId: row.orgId,
            userId: row.userId,
            kind: "job_failed",
            title: `Job failed: ${row.type}`,
            message: `Job ${row.id} (${row.type}) failed after ${row.attempts} attempt(s): ${row.errorMessage ?? "unknown error"}. Retry it with POST /v1/jobs/${row.id}/retry.`,
            jobId: row.id,
            data: { type: row.type, errorCode: row.errorCode, retry: `/v1/jobs/${row.id}/retry` },
          }),
        log,
      );
    }
    await withDbRetry(() => markFailureHandled(db, row.id), log);
  }

  private emit(row: JobRow): void {
    this.o.events.publish("job", row.orgId, row.userId, jobView(row)).catch(() => {});
  }
}
