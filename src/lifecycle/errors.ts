// The lifecycle's domain errors. They say what went wrong with a job, not how to answer it: the API maps
// them to HTTP in one place (src/api/errors.ts), the CLI to exit codes. Matched by name across bundles.

import type { JobStatus } from "../../db/schema.js";
import type { FieldIssue } from "../../handlers/kit/errors.js";

/** No job with that id (in that organization). */
export class JobNotFound extends Error {
  override name = "JobNotFound";
  constructor(readonly jobId: string) {
    super(`job ${jobId} not found`);
  }
}

/** The transition is not allowed from the job's status, or not for that part of the system. */
export class TransitionRefused extends Error {
  override name = "TransitionRefused";
  constructor(
    readonly transition: string,
    readonly status: JobStatus | null,
    message: string,
    /** A more precise code for the API (e.g. `cancel_pending`). @default "invalid_state" */
    readonly code = "invalid_state",
  ) {
    super(message);
  }
}

/** The queue (Redis) did not take the job; nothing was kept. */
export class QueueUnavailable extends Error {
  override name = "QueueUnavailable";
  constructor(options?: { cause?: unknown }) {
    super("the job queue is unavailable, try again shortly", options);
  }
}

/** The job type is not in the catalog. */
export class UnknownJobType extends Error {
  override name = "UnknownJobType";
  readonly fields: FieldIssue[];
  constructor(
    readonly type: string,
    known: readonly string[],
  ) {
    super(`unknown job type "${type}"; known: ${known.join(", ")}`);
    this.fields = [{ path: "type", message: `unknown job type; known: ${known.join(", ")}` }];
  }
}

/** Another job holds what this one asks for: an idempotency key with another payload, a live dedup twin. */
export class JobConflict extends Error {
  override name = "JobConflict";
  constructor(
    readonly code: "idempotency_conflict" | "duplicate_live_job" | "conflict",
    message: string,
  ) {
    super(message);
  }
}

/** The organization's enqueue rate limit is used up. */
export class EnqueueRateLimited extends Error {
  override name = "EnqueueRateLimited";
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(message);
  }
}
