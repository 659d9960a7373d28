// Job commands shared by the API, the scheduler and the CLI: enqueue (row first, then the queue, rolled
// back when the queue is down), retry and cancel. Postgres holds the truth; the queue follows it.
import { createHash } from "node:crypto";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import type { JobRow } from "../../db/queries/jobs.js";
import * as q from "../../db/queries/jobs.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import { parsePayload } from "../../handlers/kit/define.js";
import { newId } from "../../handlers/kit/ids.js";
import { ApiError } from "../api/errors.js";
import type { Priority } from "../config.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../logger.js";
import { FairPriorities, RateLimitExceeded } from "../queue/fairness.js";
import type { Queues } from "../queue/queues.js";
import { selfClockingBatch } from "../runtime/batch.js";
import { jobView } from "./view.js";

export interface JobsDeps {
  db: Db;
  redis: Redis;
  queues: Queues;
  catalog: Catalog;
  events: EventBus;
  log: Logger;
  retryDelaysMs: readonly number[];
  /** How long an add may take before the API answers 503. @default 2000 */
  queueTimeoutMs?: number;
  /** Jobs per organization per minute counted for enqueues that ask for it (the API's). @default 0 (off) */
  enqueueRateLimit?: number;
  /** Told about every accepted enqueue (metrics): a new job, a dedup skip, or an idempotent replay. */
  onEnqueue?: (e: { type: string; result: "created" | "skipped" | "replayed" }) => void;
}

export interface EnqueueInput {
  orgId: string;
  userId: string;
  type: string;
  payload: unknown;
  priority: Priority;
  runAt?: Date;
  idempotencyKey?: string;
  dedupKey?: string;
  requestId?: string;
  /** Count it against the organization's enqueue rate limit (API requests); over it → 429, nothing stored. */
  rateLimited?: boolean;
}

export interface EnqueueResult {
  job: JobRow;
  /** false when an idempotency key or dedup key answered an existing job. */
  created: boolean;
}

const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function payloadHash(type: string, payload: unknown): string {
  return createHash("sha256")
    .update(`${type}\n${stableJson(payload)}`)
    .digest("hex");
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class JobsService {
  private readonly fairness: FairPriorities;
  /** Inserts of concurrent enqueues share a statement. */
  private readonly inserts;

  constructor(private readonly deps: JobsDeps) {
    this.fairness = new FairPriorities(deps.redis, deps.queues.prefix);
    this.inserts = selfClockingBatch<q.CreateJobRow, JobRow | null>((rows) => q.insertJobs(deps.db, rows));
  }

  get maxAttempts(): number {
    return this.deps.retryDelaysMs.length + 1;
  }

  /** Validates, stores and queues one job. Throws ApiError (400 / 409 / 503). */
  async enqueue(input: EnqueueInput): Promise<EnqueueResult> {
    const { db, catalog } = this.deps;
    const def = catalog.get(input.type);
    if (!def) {
      throw new ApiError(
        400,
        "invalid_request",
        `unknown job type "${input.type}"; known: ${catalog.types().join(", ")}`,
        [{ path: "type", message: `unknown job type; known: ${catalog.types().join(", ")}` }],
      );
    }
    const payload = parsePayload(def.payload, input.payload);
    const hash = payloadHash(input.type, payload);
    const row: q.CreateJobRow = {
      id: newId("job"),
      orgId: input.orgId,
      userId: input.userId,
      type: input.type,
      status: "queued",
      priority: input.priority,
      payload,
      idempotencyKey: input.idempotencyKey ?? null,
      payloadHash: hash,
      dedupKey: input.dedupKey ?? null,
      maxAttempts: this.maxAttempts,
      runAt: input.runAt ?? null,
      nextRunAt: input.runAt ?? null,
      requestId: input.requestId ?? null,
    };
    // Admission (rate limit, then fair priority) is one script call. A rate-limited request waits for it
    // before anything is stored; otherwise it runs while the row is written, one round trip less.
    const perMinute = input.rateLimited ? (this.deps.enqueueRateLimit ?? 0) : 0;
    const priority = this.fairness.priority({
      queue: input.type,
      level: input.priority,
      orgId: input.orgId,
      userId: input.userId,
      ratePerMinute: perMinute,
    });
    priority.catch(() => {}); // awaited below; a failure is handled there
    if (perMinute > 0) await this.admitted(priority);
    const { job, created } = await this.insertOrExisting(row, input, hash);
    if (!created) {
      const skipped = !!input.dedupKey && job.dedupKey === input.dedupKey;
      this.deps.onEnqueue?.({ type: input.type, result: skipped ? "skipped" : "replayed" });
      return { job, created };
    }
    try {
      await this.addToQueue(job, input.runAt ? input.runAt.getTime() - Date.now() : 0, priority);
    } catch (err) {
      // Only while still queued: an add that timed out may have landed, and a relay may be running it.
      const removed = await q.deleteQueuedJob(db, job.id).catch(() => false);
      if (!removed) return { job: (await q.getJob(db, job.id)) ?? job, created: true };
      this.deps.log.warn(
        { jobId: job.id, err: (err as Error).message },
        "queue unavailable; job not accepted",
      );
      throw ApiError.unavailable("the job queue");
    }
    this.deps.onEnqueue?.({ type: input.type, result: "created" });
    this.deps.log.info(
      { jobId: job.id, type: job.type, orgId: job.orgId, userId: job.userId, requestId: job.requestId },
      "job enqueued",
    );
    this.emit(job);
    return { job, created: true };
  }

  /** Waits for a rate-limited admission: 429 over the limit, 503 when Redis does not answer. */
  private async admitted(priority: Promise<number>): Promise<void> {
    try {
      await withTimeout(priority, this.deps.queueTimeoutMs ?? 2000, "enqueue admission");
    } catch (err) {
      if (err instanceof RateLimitExceeded) {
        throw new ApiError(429, "rate_limited", err.message, undefined, {
          "Retry-After": String(err.retryAfterS),
        });
      }
      throw ApiError.unavailable("the job queue");
    }
  }

  private async insertOrExisting(
    row: q.CreateJobRow,
    input: EnqueueInput,
    hash: string,
  ): Promise<EnqueueResult> {
    const { db } = this.deps;
    for (let i = 0; i < 3; i++) {
      const inserted = await this.inserts.load(row);
      if (inserted) return { job: inserted, created: true };
      if (input.idempotencyKey) {
        const prior = await q.findByIdempotencyKey(db, input.orgId, input.idempotencyKey);
        if (prior) {
          if (Date.now() - prior.createdAt.getTime() > IDEMPOTENCY_WINDOW_MS) {
            await q.releaseIdempotencyKey(db, prior.id); // expired: the key is free again
            continue;
          }
          if (prior.payloadHash !== hash || prior.type !== input.type) {
            throw new ApiError(
              409,
              "idempotency_conflict",
              `idempotency key "${input.idempotencyKey}" was already used with another payload (job ${prior.id})`,
            );
          }
          return { job: prior, created: false };
        }
      }
      if (input.dedupKey) {
        const live = await q.findLiveByDedupKey(db, input.dedupKey);
        if (live) return { job: live, created: false };
      }
    }
    throw new ApiError(409, "conflict", "the job conflicts with another one being created; try again");
  }

  /** Puts a job (already in Postgres) on its type's queue. Idempotent by job id. */
  async addToQueue(
    job: Pick<JobRow, "id" | "type" | "orgId" | "userId" | "priority" | "requestId">,
    delayMs = 0,
    /** Its fair priority when already asked for. */
    fairPriority?: Promise<number>,
  ) {
    const queue = this.deps.queues.get(job.type);
    const work = async () => {
      const priority = await (fairPriority ??
        this.fairness.priority({
          queue: job.type,
          level: job.priority as Priority,
          orgId: job.orgId,
          userId: job.userId,
        }));
      await queue.add(
        job.type,
        { orgId: job.orgId, userId: job.userId, ...(job.requestId ? { requestId: job.requestId } : {}) },
        { jobId: job.id, priority, delay: Math.max(0, delayMs) },
      );
    };
    await withTimeout(work(), this.deps.queueTimeoutMs ?? 2000, "queue add");
  }

  private emit(job: JobRow): void {
    this.deps.events.publish("job", job.orgId, job.userId, jobView(job)).catch((err: Error) => {
      this.deps.log.warn({ jobId: job.id, err: err.message }, "event publish failed");
    });
  }

  /** failed or cancelled → queued with fresh attempts; anything else → 409. */
  async retry(orgId: string, id: string): Promise<JobRow> {
    const { db } = this.deps;
    const current = await q.getJob(db, id, orgId);
    if (!current) throw ApiError.notFound("job");
    const row = await q
      .transition(
        db,
        id,
        ["failed", "cancelled"],
        {
          status: "queued",
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
        },
        orgId,
      )
      .catch((err: unknown) => {
        // The partial unique index on live dedup keys: a newer run of the same target is queued or running.
        if (
          (err as { code?: string }).code === "23505" ||
          (err as { cause?: { code?: string } }).cause?.code === "23505"
        ) {
          throw new ApiError(
            409,
            "duplicate_live_job",
            `a live job for the same target (${current.dedupKey}) already exists`,
          );
        }
        throw err;
      });
    if (!row)
      throw new ApiError(
        409,
        "invalid_state",
        `job is ${current.status}; only failed or cancelled jobs can be retried`,
      );
    try {
      // A BullMQ job with this id would make add() a no-op: remove it first (waiting, if the relay is
      // still moving it to failed, until it has let go).
      await removeQueuedCopy(this.deps.queues.get(row.type), row.id);
      await this.addToQueue(row);
    } catch {
      await q.transition(db, id, ["queued"], {
        status: current.status,
        errorCode: current.errorCode,
        errorMessage: current.errorMessage,
        finishedAt: current.finishedAt,
        attempts: current.attempts,
      });
      throw ApiError.unavailable("the job queue");
    }
    this.emit(row);
    return row;
  }

  /**
   * queued or retrying → cancelled at once; active → the relay is told to abort the call and the answer
   * waits (up to `waitMs`) for the job to end: cancelled, or 409 when it completed or failed first.
   */
  async cancel(orgId: string, id: string, waitMs = 10_000): Promise<JobRow> {
    const { db, queues, redis } = this.deps;
    if (!(await q.getJob(db, id, orgId))) throw ApiError.notFound("job");
    const cancelled = await q.transition(
      db,
      id,
      ["queued", "retrying"],
      { status: "cancelled", finishedAt: new Date(), nextRunAt: null },
      orgId,
    );
    if (cancelled) {
      await queues
        .get(cancelled.type)
        .remove(cancelled.id)
        .catch(() => 0);
      this.emit(cancelled);
      return cancelled;
    }
    // Read again: a relay may have activated it between the lookup and the transition.
    const current = await q.getJob(db, id, orgId);
    if (!current) throw ApiError.notFound("job");
    if (current.status !== "active") {
      throw new ApiError(
        409,
        "invalid_state",
        `job is ${current.status}; only queued, retrying or active jobs can be cancelled`,
      );
    }
    await q.transition(db, id, ["active"], { status: "active", cancelRequestedAt: new Date() }, orgId);
    await redis.publish(cancelChannel(queues.prefix), id);
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const now = await q.getJob(db, id, orgId);
      if (now && now.status === "cancelled") return now;
      if (now && (now.status === "completed" || now.status === "failed")) {
        throw new ApiError(409, "invalid_state", `job ${now.status} before it could be cancelled`);
      }
      if (now && (now.status === "queued" || now.status === "retrying"))
        return this.cancel(orgId, id, deadline - Date.now());
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new ApiError(409, "cancel_pending", "cancellation requested; the job is still running");
  }
}

/** Removes BullMQ's copy of a job, waiting up to `waitMs` while a relay still holds it (active). */
export async function removeQueuedCopy(queue: Queue, id: string, waitMs = 10_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const state = await queue.getJobState(id);
    if (state === "unknown") return;
    if (state !== "active" && (await queue.remove(id)) === 1) return;
    if (Date.now() > deadline) throw new Error(`job ${id} is still held by a relay`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}
