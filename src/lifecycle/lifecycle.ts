// The one owner of job transitions (ARCHITECTURE: one owner for the job lifecycle). Every status write
// goes through here, checked against the table in transitions.ts and made by its one statement in
// db/queries/lifecycle/; every change is published as an `event: job`. Throws the domain errors of errors.ts.
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { getJob, type JobRow } from "../../db/queries/jobs.js";
import { type Activation, activateJobs } from "../../db/queries/lifecycle/activate.js";
import {
  type Finish,
  type FinishUpdate,
  finishAttempts,
  markFailureHandled,
  type RunRecord,
  runRecorded,
} from "../../db/queries/lifecycle/finish.js";
import { type CreateJobRow, insertJobs, insertQueuedJobs } from "../../db/queries/lifecycle/insert.js";
import { refundAttempts } from "../../db/queries/lifecycle/refund.js";
import {
  deleteQueuedJobs,
  type TransitionSet,
  transitionJob,
} from "../../db/queries/lifecycle/transition.js";
import type { JobStatus } from "../../db/schema.js";
import { newId } from "../../handlers/kit/ids.js";
import type { EventBus } from "../events/bus.js";
import { waitListKey } from "../flow/waiting.js";
import { jobView } from "../jobs/view.js";
import type { Logger } from "../logger.js";
import { FairPriorities } from "../queue/fairness.js";
import type { Queues } from "../queue/queues.js";
import { selfClockingBatch } from "../runtime/batch.js";
import { JobConflict, JobNotFound, QueueUnavailable, TransitionRefused } from "./errors.js";
import { addMany, addOne, cancelChannel, type QueuedJob, removeQueuedCopy, withTimeout } from "./queue.js";
import {
  type Actor,
  type FinishTransition,
  TRANSITIONS,
  type TransitionName,
  type TransitionSpec,
} from "./transitions.js";

export interface LifecycleDeps {
  db: Db;
  /** Commands connection: fair priorities, cancel announcements. */
  redis: Redis;
  queues: Queues;
  events: EventBus;
  log: Logger;
  /** How long a queue add may take before the enqueue is refused. @default 2000 */
  queueTimeoutMs?: number;
}

/** One new job for enqueue(). */
export interface NewJob {
  row: CreateJobRow;
  /** Delay before it may run, in ms. @default 0 */
  delayMs?: number;
  /** Its fair priority, when already asked for (the API asks while the row is written). */
  fairPriority?: Promise<number>;
}

export interface EnqueueOptions {
  actor: Actor;
  /** Publish an `event: job` per created job. @default true (the fan-out's bulk creates publish none) */
  publish?: boolean;
}

const OPERATOR_RESET = {
  attempts: 0,
  rateLimitedCount: 0,
  errorCode: null,
  errorMessage: null,
  result: null,
  finishedAt: null,
  startedAt: null,
  nextRunAt: null,
  cancelRequestedAt: null,
  failureHandledAt: null,
} satisfies TransitionSet;

const isUniqueViolation = (err: unknown) =>
  (err as { code?: string }).code === "23505" ||
  (err as { cause?: { code?: string } }).cause?.code === "23505";

export class Lifecycle {
  private readonly fairness: FairPriorities;
  /** Concurrent single creates, activations and finishes share one statement per batch. */
  private readonly inserts;
  private readonly activations;
  private readonly finishes;

  constructor(private readonly deps: LifecycleDeps) {
    this.fairness = new FairPriorities(deps.redis, deps.queues.prefix);
    this.inserts = selfClockingBatch<CreateJobRow, JobRow | null>((rows) => insertJobs(deps.db, rows));
    this.activations = selfClockingBatch<string, Activation | null>((ids) => activateJobs(deps.db, ids));
    this.finishes = selfClockingBatch<Finish, JobRow | null>((items) => finishAttempts(deps.db, items));
  }

  get fairPriorities(): FairPriorities {
    return this.fairness;
  }

  /**
   * create: inserts the rows (skipping conflicts: a live dedup twin, a used idempotency key), then puts
   * them on their queue. When the queue refuses, only rows still queued are removed (an add that timed out
   * may have landed, and a relay may be running the job): QueueUnavailable when any was removed. The
   * answer is aligned with `jobs`: the created job, or null where a conflict skipped it.
   */
  async enqueue(jobs: readonly NewJob[], opts: EnqueueOptions): Promise<(JobRow | null)[]> {
    this.assertActor("create", opts.actor);
    if (!jobs.length) return [];
    const plain =
      jobs.length > 1 && jobs.every((j) => !j.delayMs && !j.fairPriority && !j.row.idempotencyKey);
    const created = plain ? await this.insertMany(jobs.map((j) => j.row)) : await this.insertEach(jobs);
    const landed = jobs.flatMap((j, i) => (created[i] ? [{ job: created[i], spec: j }] : []));
    if (!landed.length) return created;
    try {
      const add: Promise<unknown> =
        landed.length === 1 || !plain
          ? Promise.all(
              landed.map((l) =>
                addOne(this.deps.queues, this.fairness, l.job, l.spec.delayMs ?? 0, l.spec.fairPriority),
              ),
            )
          : addMany(
              this.deps.redis,
              this.deps.queues,
              landed.map((l) => l.job),
            );
      await withTimeout(add, this.deps.queueTimeoutMs ?? 2000, "queue add");
    } catch (err) {
      const removed = new Set(await this.rollback(landed.map((l) => l.job.id)));
      if (removed.size) {
        this.deps.log.warn(
          { jobs: removed.size, err: (err as Error).message },
          "queue unavailable; jobs not accepted",
        );
        throw new QueueUnavailable({ cause: err });
      }
    }
    if (opts.publish !== false) for (const l of landed) this.publish(l.job);
    return created;
  }

  /** Removes the rows still queued after a failed queue add (three tries); the ids removed. */
  private async rollback(ids: string[]): Promise<string[]> {
    for (let tries = 1; ; tries++) {
      try {
        return await deleteQueuedJobs(this.deps.db, ids);
      } catch (err) {
        if (tries >= 3) {
          // Left queued in Postgres only: the reconciler's full pass puts them on the queue.
          this.deps.log.error({ jobs: ids.length, err: (err as Error).message }, "enqueue rollback failed");
          return [];
        }
        await new Promise((r) => setTimeout(r, 200 * tries));
      }
    }
  }

  private async insertEach(jobs: readonly NewJob[]): Promise<(JobRow | null)[]> {
    return Promise.all(jobs.map((j) => this.inserts.load(j.row)));
  }

  private async insertMany(rows: readonly CreateJobRow[]): Promise<(JobRow | null)[]> {
    return insertQueuedJobs(this.deps.db, rows);
  }

  /**
   * Puts jobs Postgres holds as live back on their queue (the reconciler; no status changes). A copy that
   * BullMQ had already ended is removed first.
   */
  async requeue(job: QueuedJob, delayMs: number, opts: { replaceEnded?: boolean } = {}): Promise<void> {
    if (opts.replaceEnded) await removeQueuedCopy(this.deps.queues.get(job.type), job.id);
    await withTimeout(
      addOne(this.deps.queues, this.fairness, job, delayMs),
      this.deps.queueTimeoutMs ?? 2000,
      "queue add",
    );
  }

  /** retryByHand: failed or cancelled → queued with fresh attempts, back on its queue. */
  async retry(actor: Actor, id: string, orgId?: string): Promise<JobRow> {
    const current = await this.mustGet(id, orgId);
    const row = await this.apply("retryByHand", actor, id, { orgId, set: OPERATOR_RESET }).catch(
      (err: unknown) => {
        // The partial unique index on live dedup keys: a newer run of the same target is queued or running.
        if (isUniqueViolation(err))
          throw new JobConflict(
            "duplicate_live_job",
            `a live job for the same target (${current.dedupKey}) already exists`,
          );
        if (err instanceof TransitionRefused && err.status)
          throw new TransitionRefused(
            err.transition,
            err.status,
            `job is ${err.status}; only failed or cancelled jobs can be retried`,
          );
        throw err;
      },
    );
    try {
      // A BullMQ job with this id would make add() a no-op: remove it first (waiting, if the relay is still
      // moving it to failed, until it has let go).
      await removeQueuedCopy(this.deps.queues.get(row.type), row.id);
      await withTimeout(
        addOne(this.deps.queues, this.fairness, row, 0),
        this.deps.queueTimeoutMs ?? 2000,
        "queue add",
      );
    } catch (err) {
      const undone = await this.tryApply("undoRetry", actor, id, {
        previous: current.status,
        set: {
          errorCode: current.errorCode,
          errorMessage: current.errorMessage,
          finishedAt: current.finishedAt,
          attempts: current.attempts,
          failureHandledAt: current.failureHandledAt,
        },
      });
      // The add timed out but landed and a relay already runs the job: the retry took effect.
      if (!undone) return this.mustGet(id, orgId);
      // A copy that landed after all must not run the job again.
      await removeQueuedCopy(this.deps.queues.get(row.type), row.id).catch(() => {});
      throw new QueueUnavailable({ cause: err });
    }
    return row;
  }

  /**
   * cancel: queued or retrying → cancelled at once; active → requestCancel (the relay aborts the call) and
   * the answer waits, up to `waitMs`, for the job to end: cancelled, or TransitionRefused when it completed
   * or failed first (code `cancel_pending` when it is still running at the deadline).
   */
  async cancel(actor: Actor, id: string, orgId?: string, waitMs = 10_000): Promise<JobRow> {
    const deadline = Date.now() + waitMs;
    let requested = false;
    for (;;) {
      const current = await this.mustGet(id, orgId);
      if (current.status === "queued" || current.status === "retrying") {
        const cancelled = await this.tryApply("cancel", actor, id, {
          orgId,
          set: {
            finishedAt: new Date(),
            nextRunAt: null,
            waitingReason: null,
            waitingKey: null,
            waitingUntil: null,
          },
        });
        if (cancelled) {
          await this.deps.queues
            .get(cancelled.type)
            .remove(cancelled.id)
            .catch(() => 0);
          // A parked job leaves its wake list too, so no slot release is spent waking it.
          if (current.waitingReason && current.waitingKey)
            await this.deps.redis
              .zrem(
                waitListKey(this.deps.queues.prefix, current.waitingReason, current.waitingKey),
                `${current.type}:${id}`,
              )
              .catch(() => 0);
          return cancelled;
        }
        continue; // a relay activated it meanwhile: read again
      }
      if (requested && current.status === "cancelled") return current;
      if (requested && current.status !== "active")
        throw new TransitionRefused(
          "cancel",
          current.status,
          `job ${current.status} before it could be cancelled`,
        );
      if (current.status !== "active")
        throw new TransitionRefused(
          "cancel",
          current.status,
          `job is ${current.status}; only queued, retrying or active jobs can be cancelled`,
        );
      if (!requested) {
        if (
          !(await this.tryApply("requestCancel", actor, id, {
            orgId,
            set: { cancelRequestedAt: new Date() },
          }))
        )
          continue;
        requested = true;
        await this.deps.redis.publish(cancelChannel(this.deps.queues.prefix), id);
      }
      if (Date.now() >= deadline)
        throw new TransitionRefused(
          "cancel",
          "active",
          "cancellation requested; the job is still running",
          "cancel_pending",
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** activate (relay), batched: null for an id with no row. */
  activate(id: string): Promise<Activation | null> {
    return this.activations.load(id).then((a) => {
      if (a?.job) this.publish(a.job);
      if (a?.expired) this.publish(a.expired);
      return a;
    });
  }

  /**
   * Ends an attempt (relay), batched: records the run and makes `transition`. Null when the job had moved
   * on (a cancel wrote its own status), or when a repeated write finds its run already recorded — the
   * caller tells those apart with runRecorded().
   */
  finish(
    jobId: string,
    transition: FinishTransition,
    run: RunRecord,
    fields: Omit<FinishUpdate, "status" | "from"> = {},
  ): Promise<JobRow | null> {
    const spec: TransitionSpec = TRANSITIONS[transition];
    const update: FinishUpdate = { ...fields, status: spec.to as JobStatus, from: [...spec.from] };
    return this.finishes.load({ jobId, run, update }).then((row) => {
      if (row) this.publish(row);
      return row;
    });
  }

  /**
   * refundAttempt for each job: `counts` maps a job to the attempts to give back. Returns how many jobs got
   * some back (a job running again keeps its count).
   */
  async refundAttempts(counts: ReadonlyMap<string, number>): Promise<number> {
    let refunded = 0;
    for (const [id, refund] of counts)
      if (await this.tryApply("refundAttempt", "relay", id, { refund })) refunded++;
    return refunded;
  }

  runRecorded(runId: string): Promise<boolean> {
    return runRecorded(this.deps.db, runId);
  }

  /** A failed job's onFailed and notification are done (no status change). */
  markFailureHandled(jobId: string): Promise<void> {
    return markFailureHandled(this.deps.db, jobId);
  }

  /**
   * Makes one transition of one job, checked against the table: TransitionRefused when `actor` may not
   * make it or the job is not in one of its `from` statuses, JobNotFound when there is no such job.
   */
  async apply(name: TransitionName, actor: Actor, id: string, opts: ApplyOptions = {}): Promise<JobRow> {
    const row = await this.tryApply(name, actor, id, opts);
    if (row) return row;
    const current = await this.mustGet(id, opts.orgId);
    const spec: TransitionSpec = TRANSITIONS[name];
    throw new TransitionRefused(
      name,
      current.status,
      `job is ${current.status}; ${name} needs ${spec.from.join(" or ")}`,
    );
  }

  /** apply() that answers null instead of throwing when the job is not in a `from` status. */
  private async tryApply(
    name: TransitionName,
    actor: Actor,
    id: string,
    opts: ApplyOptions,
  ): Promise<JobRow | null> {
    this.assertActor(name, actor);
    const spec: TransitionSpec = TRANSITIONS[name];
    let row: JobRow | null = null;
    if (spec.statement === "transitionJob") {
      const to = spec.to === "previous" ? opts.previous : spec.to;
      if (!to) throw new TransitionRefused(name, null, `${name} needs the status to go back to`);
      row = await transitionJob(this.deps.db, id, spec.from, to, opts.set ?? {}, opts.orgId);
    } else if (spec.statement === "refundAttempts") {
      row = await refundAttempts(this.deps.db, id, opts.refund ?? 1);
    } else if (spec.statement === "activateJobs") {
      row = (await this.activations.load(id))?.job ?? null;
    } else if (spec.statement === "finishAttempts") {
      const at = new Date();
      const run = opts.run ?? {
        id: newId("run"),
        attempt: 0,
        startedAt: at,
        finishedAt: at,
        outcome: "cancelled",
      };
      const update: FinishUpdate = { ...opts.finish, status: spec.to as JobStatus, from: [...spec.from] };
      row = await this.finishes.load({ jobId: id, run, update });
    } else {
      throw new TransitionRefused(name, null, `${name} is made by enqueue(), not apply()`);
    }
    if (row) this.publish(row);
    return row;
  }

  private assertActor(name: TransitionName, actor: Actor): void {
    const spec: TransitionSpec = TRANSITIONS[name];
    if (!spec.by.includes(actor))
      throw new TransitionRefused(
        name,
        null,
        `${name} is not made by the ${actor} (only: ${spec.by.join(", ")})`,
      );
  }

  private async mustGet(id: string, orgId?: string): Promise<JobRow> {
    const row = await getJob(this.deps.db, id, orgId);
    if (!row) throw new JobNotFound(id);
    return row;
  }

  /** Publishes the job's view (SSE); a failed publish is logged, never thrown. */
  publish(row: JobRow): void {
    this.deps.events.publish("job", row.orgId, row.userId, jobView(row)).catch((err: Error) => {
      this.deps.log.warn({ jobId: row.id, err: err.message }, "event publish failed");
    });
  }
}

export interface ApplyOptions {
  /** Only a job of this organization (the API's tenant isolation). */
  orgId?: string;
  /** Columns set with a transitionJob transition. */
  set?: TransitionSet;
  /** Attempts `refundAttempt` gives back. @default 1 */
  refund?: number;
  /** The status `undoRetry` goes back to. */
  previous?: JobStatus;
  /** The run recorded with a finishAttempts transition (default: a zero-length run, outcome cancelled). */
  run?: RunRecord;
  finish?: Omit<FinishUpdate, "status" | "from">;
}
