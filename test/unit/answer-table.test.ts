// The answer table as transitions, and the retry delays: pure functions, no I/O.
import { describe, expect, test } from "vitest";
import type { JobRow } from "../../db/queries/jobs.js";
import { decide } from "../../src/relay/answer-table.js";
import { parseRetryAfter, retryDelayMs } from "../../src/relay/backoff.js";

const opts = {
  retryDelaysMs: [60_000, 300_000, 900_000],
  rateLimitMaxWaits: 20,
  rateLimitMaxAgeMs: 86_400_000,
};
const now = new Date("2026-11-28T12:00:00Z");
const row = (over: Partial<JobRow> = {}) =>
  ({
    attempts: 1,
    maxAttempts: 4,
    rateLimitedCount: 0,
    createdAt: new Date(now.getTime() - 1000),
    ...over,
  }) as JobRow;

describe("decide", () => {
  test("a transient failure retries at 1, 5, 15 minutes, then fails", () => {
    const delays = [1, 2, 3].map((a) =>
      decide(row({ attempts: a }), { kind: "retry", httpStatus: 503, code: "x", message: "m" }, now, opts),
    );
    expect(delays.map((d) => d.transition)).toEqual(["retryLater", "retryLater", "retryLater"]);
    expect(delays[0]!.delayMs).toBeGreaterThanOrEqual(54_000);
    expect(delays[0]!.delayMs).toBeLessThanOrEqual(66_000);
    expect(delays[1]!.delayMs).toBeGreaterThanOrEqual(270_000);
    expect(delays[2]!.delayMs).toBeLessThanOrEqual(990_000);
    const last = decide(
      row({ attempts: 4 }),
      { kind: "retry", httpStatus: 503, code: "x", message: "down" },
      now,
      opts,
    );
    expect(last).toMatchObject({ transition: "fail", fields: { finished: true } });
    expect(last.fields.errorMessage).toContain("after 4 attempts");
  });

  test("a rate limit waits Retry-After and gives the attempt back, until 20 waits or 24 h", () => {
    const wait = decide(
      row(),
      { kind: "rate_limited", httpStatus: 429, retryAfterMs: 5_000, message: "slow" },
      now,
      opts,
    );
    expect(wait).toMatchObject({
      delayMs: 5_000,
      transition: "waitRateLimit",
      fields: { refundAttempt: true, rateLimited: true },
    });
    const tooMany = decide(
      row({ rateLimitedCount: 20 }),
      { kind: "rate_limited", httpStatus: 429, retryAfterMs: 5_000, message: "slow" },
      now,
      opts,
    );
    expect(tooMany.transition).toBe("fail");
    const tooOld = decide(
      row({ createdAt: new Date(now.getTime() - 86_000_000) }),
      { kind: "rate_limited", httpStatus: 429, retryAfterMs: 3_600_000, message: "slow" },
      now,
      opts,
    );
    expect(tooOld.transition).toBe("fail");
  });

  test("a permanent failure fails at once, on the first attempt", () => {
    expect(
      decide(row(), { kind: "failed", httpStatus: 422, code: "token_revoked", message: "m" }, now, opts),
    ).toMatchObject({ transition: "fail", fields: { errorCode: "token_revoked" } });
  });
});

describe("backoff", () => {
  test("jitter stays within ±10 %", () => {
    expect(retryDelayMs([1000], 1, () => 0)).toBe(900);
    expect(retryDelayMs([1000], 1, () => 1)).toBe(1100);
    expect(retryDelayMs([100, 500], 5, () => 0.5)).toBe(500);
  });

  test("Retry-After-Ms, seconds and HTTP dates", () => {
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "1500", "retry-after": "9" }))).toBe(1500);
    expect(parseRetryAfter(new Headers({ "retry-after": "9" }))).toBe(9000);
    const at = Date.parse("2026-11-28T12:00:30Z");
    expect(parseRetryAfter(new Headers({ "retry-after": new Date(at).toUTCString() }), at - 30_000)).toBe(
      30_000,
    );
    expect(parseRetryAfter(new Headers(), 0, 42)).toBe(42);
  });
});
