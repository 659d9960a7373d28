// The answer table as status changes (ARCHITECTURE: Handler answers): what a handler's answer does to a
// job — completed, retrying after a delay (rate-limited waits give the attempt back), failed or cancelled.
import type { JobRow } from "../../db/queries/jobs.js";
import type { FinishUpdate } from "../../db/queries/lifecycle.js";
import { retryDelayMs } from "./backoff.js";
import type { Outcome } from "./dispatch.js";

export interface AnswerTableOptions {
  retryDelaysMs: readonly number[];
  rateLimitMaxWaits: number;
  rateLimitMaxAgeMs: number;
}

/** The answer table, as status changes. */
export function decide(
  row: JobRow,
  outcome: Outcome,
  now: Date,
  o: AnswerTableOptions,
): { update: FinishUpdate; delayMs: number | null } {
  switch (outcome.kind) {
    case "completed":
      return { update: { status: "completed", result: outcome.result, finished: true }, delayMs: null };
    case "cancelled":
      return {
        update: {
          status: "cancelled",
          errorCode: "cancelled",
          errorMessage: "cancelled by request",
          finished: true,
        },
        delayMs: null,
      };
    case "failed":
      return {
        update: {
          status: "failed",
          errorCode: outcome.code,
          errorMessage: outcome.message,
          finished: true,
        },
        delayMs: null,
      };
    case "rate_limited": {
      const waits = row.rateLimitedCount + 1;
      const age = now.getTime() - (row.startedAt ?? row.createdAt).getTime();
      if (waits > o.rateLimitMaxWaits || age + outcome.retryAfterMs > o.rateLimitMaxAgeMs) {
        const message = `still rate limited after ${waits - 1} waits: ${outcome.message}`;
        return {
          update: {
            status: "failed",
            errorCode: "rate_limited",
            errorMessage: message,
            finished: true,
            rateLimited: true,
          },
          delayMs: null,
        };
      }
      const delayMs = outcome.retryAfterMs;
      return {
        update: {
          status: "retrying",
          errorCode: "rate_limited",
          errorMessage: outcome.message,
          nextRunAt: new Date(now.getTime() + delayMs),
          refundAttempt: true,
          rateLimited: true,
        },
        delayMs,
      };
    }
    case "retry": {
      if (row.attempts >= row.maxAttempts) {
        const message = `failed after ${row.attempts} attempts: ${outcome.message}`;
        return {
          update: { status: "failed", errorCode: outcome.code, errorMessage: message, finished: true },
          delayMs: null,
        };
      }
      const delayMs = retryDelayMs(o.retryDelaysMs, row.attempts);
      return {
        update: {
          status: "retrying",
          errorCode: outcome.code,
          errorMessage: outcome.message,
          nextRunAt: new Date(now.getTime() + delayMs),
        },
        delayMs,
      };
    }
  }
}

/** The run row's outcome for an answer. */
export function runOutcome(outcome: Outcome, status: string) {
  switch (outcome.kind) {
    case "completed":
      return "completed" as const;
    case "cancelled":
      return "cancelled" as const;
    case "rate_limited":
      return "rate_limited" as const;
    case "failed":
      return "failed" as const;
    case "retry":
      return status === "failed" ? ("failed" as const) : ("retry" as const);
  }
}
