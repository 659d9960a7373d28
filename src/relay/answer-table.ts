// The answer table as transitions (ARCHITECTURE: Handler answers): what a handler's answer does to a
// job — complete, retry later (rate-limited waits give the attempt back), fail or cancel.
import type { JobRow } from "../../db/queries/jobs.js";
import type { FinishUpdate } from "../../db/queries/lifecycle/finish.js";
import type { FinishTransition } from "../lifecycle/transitions.js";
import { retryDelayMs } from "./backoff.js";
import type { Outcome } from "./dispatch.js";

export interface AnswerTableOptions {
  retryDelaysMs: readonly number[];
  rateLimitMaxWaits: number;
  rateLimitMaxAgeMs: number;
}

export interface Decision {
  transition: FinishTransition;
  fields: Omit<FinishUpdate, "status" | "from">;
  /** Set for retryLater and waitRateLimit: when the job runs again. */
  delayMs: number | null;
}

/** The answer table, as transitions. */
export function decide(row: JobRow, outcome: Outcome, now: Date, o: AnswerTableOptions): Decision {
  switch (outcome.kind) {
    case "completed":
      return { transition: "complete", fields: { result: outcome.result, finished: true }, delayMs: null };
    case "cancelled":
      return {
        transition: "cancelRunning",
        fields: {
          errorCode: "cancelled",
          errorMessage: "cancelled by request",
          finished: true,
        },
        delayMs: null,
      };
    case "failed":
      return {
        transition: "fail",
        fields: {
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
          transition: "fail",
          fields: {
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
        transition: "waitRateLimit",
        fields: {
          errorCode: "rate_limited",
          errorMessage: outcome.message,
          nextRunAt: new Date(now.getTime() + delayMs),
          refundAttempt: true,
          rateLimited: true,
        },
        delayMs,
      };
    }
    case "unavailable":
      return {
        transition: "waitDependency",
        fields: {
          errorCode: "dependency_unavailable",
          errorMessage: outcome.message,
          nextRunAt: new Date(now.getTime() + outcome.retryAfterMs),
          refundAttempt: true,
        },
        delayMs: outcome.retryAfterMs,
      };
    case "retry": {
      if (row.attempts >= row.maxAttempts) {
        const message = `failed after ${row.attempts} attempts: ${outcome.message}`;
        return {
          transition: "fail",
          fields: { errorCode: outcome.code, errorMessage: message, finished: true },
          delayMs: null,
        };
      }
      const delayMs = retryDelayMs(o.retryDelaysMs, row.attempts);
      return {
        transition: "retryLater",
        fields: {
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
export function runOutcome(outcome: Outcome, transition: FinishTransition) {
  switch (outcome.kind) {
    case "completed":
      return "completed" as const;
    case "cancelled":
      return "cancelled" as const;
    case "rate_limited":
      return "rate_limited" as const;
    case "failed":
      return "failed" as const;
    case "unavailable":
      return "retry" as const;
    case "retry":
      return transition === "fail" ? ("failed" as const) : ("retry" as const);
  }
}
