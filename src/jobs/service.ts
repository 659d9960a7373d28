// Job commands shared by the API, the scheduler and the CLI: validate a request and enqueue it (with
// idempotency keys, dedup keys and the enqueue rate limit), retry and cancel. The transitions themselves
// are the lifecycle's (src/lifecycle); this file decides what to ask of it. Throws domain errors only.
import { createHash } from "node:crypto";
import type { Db } from "../../db/client.js";
import type { JobRow } from "../../db/queries/jobs.js";
import * as q from "../../db/queries/jobs.js";
import { type CreateJobRow, releaseIdempotencyKey } from "../../db/queries/lifecycle/insert.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import { parsePayload } from "../../handlers/kit/define.js";
import { newId } from "../../handlers/kit/ids.js";
import type { Priority } from "../config.js";
import type { OrgLimitsCache } from "../flow/org-limits.js";
import { EnqueueRateLimited, JobConflict, QueueUnavailable, UnknownJobType } from "../lifecycle/errors.js";
import type { Lifecycle } from "../lifecycle/lifecycle.js";
import { withTimeout } from "../lifecycle/queue.js";
import type { Actor } from "../lifecycle/transitions.js";
import type { Logger } from "../logger.js";
import { RateLimitExceeded } from "../queue/fairness.js";

export interface JobsDeps {
  db: Db;
  lifecycle: Lifecycle;
  catalog: Catalog;
  log: Logger;
  retryDelaysMs: readonly number[];
  /** How long an admission may take before the API answers 503. @default 2000 */
  queueTimeoutMs?: number;
  /** Jobs per organization per minute counted for enqueues that ask for it (the API's). @default 0 (off) */
  enqueueRateLimit?: number;
  /** The organization's own limits (org_limits overrides); without it every organization has the defaults. */
  limits?: OrgLimitsCache;
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
  /** Still waiting then: the job ends failed with `expired`. */
  expiresAt?: Date;
  idempotencyKey?: string;
  dedupKey?: string;
  requestId?: string;
  /** Count it against the organization's enqueue rate limit (API requests); over it → 429, nothing stored. */
  rateLimited?: boolean;
  /** Who asks. @default "api" */
  actor?: Actor;
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

export class JobsService {
  constructor(private readonly deps: JobsDeps) {}

  get maxAttempts(): number {
    return this.deps.retryDelaysMs.length + 1;
  }

  /** Validates, stores and queues one job. */
  async enqueue(input: EnqueueInput): Promise<EnqueueResult> {
    const { catalog, lifecycle } = this.deps;
    const def = catalog.get(input.type);
    if (!def) throw new UnknownJobType(input.type, catalog.types());
    const payload = parsePayload(def.payload, input.payload);
    const hash = payloadHash(input.type, payload);
    const row: CreateJobRow = {
      id: newId("job"),
      orgId: input.orgId,
      userId: input.userId,
      type: input.type,
      priority: input.priority,
      payload,
      idempotencyKey: input.idempotencyKey ?? null,
      payloadHash: hash,
      dedupKey: input.dedupKey ?? null,
      maxAttempts: this.maxAttempts,
      runAt: input.runAt ?? null,
      nextRunAt: input.runAt ?? null,
      expiresAt: input.expiresAt ?? null,
      requestId: input.requestId ?? null,
    };
    // Admission (rate limit, then fair priority) is one script call. A rate-limited request waits for it
    // before anything is stored; otherwise it runs while the row is written, one round trip less.
    const perMinute = input.rateLimited
      ? this.deps.limits
        ? (await this.deps.limits.get(input.orgId)).enqueuePerMinute
        : (this.deps.enqueueRateLimit ?? 0)
      : 0;
    const fairPriority = lifecycle.fairPriorities.priority({
      queue: input.type,
      level: input.priority,
      orgId: input.orgId,
      userId: input.userId,
      ratePerMinute: perMinute,
    });
    fairPriority.catch(() => {}); // awaited below or by the queue add; a failure is handled there
    if (perMinute > 0) await this.admitted(fairPriority);
    const delayMs = input.runAt ? input.runAt.getTime() - Date.now() : 0;
    for (let i = 0; i < 3; i++) {
      const [job] = await lifecycle.enqueue([{ row, delayMs, fairPriority }], {
        actor: input.actor ?? "api",
      });
      if (job) {
        this.deps.onEnqueue?.({ type: input.type, result: "created" });
        this.deps.log.info(
          { jobId: job.id, type: job.type, orgId: job.orgId, userId: job.userId, requestId: job.requestId },
          "job enqueued",
        );
        return { job, created: true };
      }
      const existing = await this.existing(input, hash);
      if (existing === "retry") continue;
      if (existing) {
        const skipped = !!input.dedupKey && existing.dedupKey === input.dedupKey;
        this.deps.onEnqueue?.({ type: input.type, result: skipped ? "skipped" : "replayed" });
        return { job: existing, created: false };
      }
    }
    throw new JobConflict("conflict", "the job conflicts with another one being created; try again");
  }

  /** Waits for a rate-limited admission: over the limit, or Redis does not answer. */
  private async admitted(priority: Promise<number>): Promise<void> {
    try {
      await withTimeout(priority, this.deps.queueTimeoutMs ?? 2000, "enqueue admission");
    } catch (err) {
      if (err instanceof RateLimitExceeded) throw new EnqueueRateLimited(err.message, err.retryAfterS);
      throw new QueueUnavailable({ cause: err });
    }
  }

  /** The job a skipped insert conflicted with; "retry" when the key had expired or the twin just ended. */
  private async existing(input: EnqueueInput, hash: string): Promise<JobRow | "retry"> {
    const { db } = this.deps;
    if (input.idempotencyKey) {
      const prior = await q.findByIdempotencyKey(db, input.orgId, input.idempotencyKey);
      if (prior) {
        if (Date.now() - prior.createdAt.getTime() > IDEMPOTENCY_WINDOW_MS) {
          await releaseIdempotencyKey(db, prior.id); // expired: the key is free again
          return "retry";
        }
        if (prior.payloadHash !== hash || prior.type !== input.type) {
          throw new JobConflict(
            "idempotency_conflict",
            `idempotency key "${input.idempotencyKey}" was already used with another payload (job ${prior.id})`,
          );
        }
        return prior;
      }
    }
    if (input.dedupKey) {
      const live = await q.findLiveByDedupKey(db, input.dedupKey);
      if (live) return live;
    }
    return "retry";
  }

  /** failed or cancelled → queued with fresh attempts. */
  retry(orgId: string | undefined, id: string, actor: Actor = "api"): Promise<JobRow> {
    return this.deps.lifecycle.retry(actor, id, orgId);
  }

  /** Cancels a job (see Lifecycle.cancel). */
  cancel(orgId: string | undefined, id: string, waitMs = 10_000, actor: Actor = "api"): Promise<JobRow> {
    return this.deps.lifecycle.cancel(actor, id, orgId, waitMs);
  }
}
