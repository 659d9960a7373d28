// The job state machine as data: every allowed transition, the statuses it leaves, the one it enters,
// which parts may make it, and the SQL statement behind it (db/queries/lifecycle/). Lifecycle consults
// this table for every status write; nothing else writes jobs.status (test/guard/status-writes.test.ts).
import type { JobStatus } from "../../db/schema.js";

/** The parts of the system that move jobs. */
export type Actor = "api" | "relay" | "reconciler" | "scheduler" | "cli";

export interface TransitionSpec {
  /** Statuses the job may be in; empty for `create` (no row yet). */
  readonly from: readonly JobStatus[];
  /** Status after it; `previous` restores the status saved by the caller; null removes the row. */
  readonly to: JobStatus | "previous" | null;
  readonly by: readonly Actor[];
  /** The statement in db/queries/lifecycle/ that makes it. */
  readonly statement:
    | "insertJobs"
    | "insertQueuedJobs"
    | "deleteQueuedJobs"
    | "activateJobs"
    | "finishAttempts"
    | "transitionJob"
    | "refundAttempts";
}

const relay = ["relay"] as const;
const operator = ["api", "cli"] as const;

export const TRANSITIONS = {
  /** A new job (API, schedule fan-out, CLI). */
  create: { from: [], to: "queued", by: ["api", "scheduler", "cli"], statement: "insertJobs" },
  /** The queue refused the job: its row goes again, only while still queued (a relay may be running it). */
  rollbackCreate: {
    from: ["queued"],
    to: null,
    by: ["api", "scheduler", "cli"],
    statement: "deleteQueuedJobs",
  },
  /** A relay starts an attempt (from active: the previous attempt was lost). */
  activate: { from: ["queued", "retrying", "active"], to: "active", by: relay, statement: "activateJobs" },
  /** Still waiting at its expiresAt: fails with `expired` (made by the activation statement for a batch). */
  expire: { from: ["queued", "retrying"], to: "failed", by: relay, statement: "transitionJob" },
  /** Waited on an open breaker (or a quota) longer than BREAKER_MAX_WAIT_MS: fails with `dependency_unavailable`. */
  giveUp: { from: ["queued", "retrying"], to: "failed", by: relay, statement: "transitionJob" },
  complete: { from: ["active"], to: "completed", by: relay, statement: "finishAttempts" },
  /** Transient failure: wait for the next backoff delay. */
  retryLater: { from: ["active"], to: "retrying", by: relay, statement: "finishAttempts" },
  /** Rate-limited upstream: wait, the attempt given back. */
  waitRateLimit: { from: ["active"], to: "retrying", by: relay, statement: "finishAttempts" },
  /** A transient failure while its dependency's breaker is open: wait for the probe, the attempt given back. */
  waitDependency: { from: ["active"], to: "retrying", by: relay, statement: "finishAttempts" },
  fail: { from: ["active"], to: "failed", by: relay, statement: "finishAttempts" },
  /** Its dependency's breaker opened: the attempts the outage took before it are given back. */
  refundAttempt: { from: ["retrying"], to: "retrying", by: relay, statement: "refundAttempts" },
  /** The handler call was aborted by a cancel request. */
  cancelRunning: { from: ["active"], to: "cancelled", by: relay, statement: "finishAttempts" },
  /** A cancel requested between states: ended without calling the handler. */
  cancelBeforeRun: {
    from: ["queued", "retrying", "active"],
    to: "cancelled",
    by: relay,
    statement: "finishAttempts",
  },
  /** A crashed attempt is recorded (run `lost`); the job stays active for the next one. */
  recordLost: { from: ["active"], to: "active", by: relay, statement: "finishAttempts" },
  /** …or fails, when the lost attempt was the last. */
  failLost: { from: ["active"], to: "failed", by: relay, statement: "finishAttempts" },
  cancel: { from: ["queued", "retrying"], to: "cancelled", by: operator, statement: "transitionJob" },
  /** An active job is asked to stop: the relay aborts its call and ends it (cancelRunning). */
  requestCancel: { from: ["active"], to: "active", by: operator, statement: "transitionJob" },
  /** Retry by hand: fresh attempts. */
  retryByHand: { from: ["failed", "cancelled"], to: "queued", by: operator, statement: "transitionJob" },
  /** The queue refused a retry by hand: the job goes back to how it was. */
  undoRetry: { from: ["queued"], to: "previous", by: operator, statement: "transitionJob" },
} as const satisfies Record<string, TransitionSpec>;

export type TransitionName = keyof typeof TRANSITIONS;

/** The relay's transitions that end an attempt (one batched finishAttempts statement). */
export type FinishTransition = {
  [K in TransitionName]: (typeof TRANSITIONS)[K]["statement"] extends "finishAttempts" ? K : never;
}[TransitionName];

export function transitionSpec(name: TransitionName): TransitionSpec {
  return TRANSITIONS[name];
}

/** Whether `actor` may make `name` from `status`. */
export function allowed(name: TransitionName, status: JobStatus, actor: Actor): boolean {
  const spec: TransitionSpec = TRANSITIONS[name];
  return spec.by.includes(actor) && spec.from.includes(status);
}
