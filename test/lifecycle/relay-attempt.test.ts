// The relay's attempt steps with an injected dispatch (no handler server): each answer of the table
// moves the job as the lifecycle says, one run per attempt, with the envelope the handler would get.
import { afterAll, beforeAll, expect, test } from "vitest";
import { getJob, listRuns } from "../../db/queries/jobs.js";
import { listNotifications } from "../../db/queries/notifications.js";
import type { JobEnvelope } from "../../handlers/kit/context.js";
import { createLogger } from "../../src/logger.js";
import type { Outcome } from "../../src/relay/dispatch.js";
import { Relay } from "../../src/relay/relay.js";
import { eventually } from "../helpers/eventually.js";
import { testCatalog } from "../helpers/test-types.js";
import { type LifecycleHarness, lifecycleHarness } from "./harness.js";

let h: LifecycleHarness;
let relay: Relay;
const script = new Map<string, Outcome[]>();
const seen: JobEnvelope[] = [];

beforeAll(async () => {
  h = await lifecycleHarness();
  relay = new Relay({
    db: h.db.db,
    connection: h.redis.client,
    prefix: h.redis.prefix,
    catalog: testCatalog,
    lifecycle: h.lifecycle,
    log: createLogger({ level: "silent" }),
    handlersUrl: "http://127.0.0.1:9/never-called",
    signingKey: "sig_unused",
    retryDelaysMs: [50, 50, 50],
    concurrency: 4,
    orgMaxActive: 0,
    rateLimitMaxWaits: 20,
    rateLimitMaxAgeMs: 86_400_000,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    drainDelayS: 5,
    types: ["echo"],
    dispatch: async (envelope, opts) => {
      seen.push(envelope);
      const next = script.get(envelope.jobId)?.shift();
      if (next) return next;
      // Nothing scripted: the call hangs until it is cancelled.
      return new Promise<Outcome>((resolve) =>
        opts.cancel?.addEventListener("abort", () => resolve({ kind: "cancelled", message: "cancelled" })),
      );
    },
  });
  await relay.start();
});
afterAll(async () => {
  await relay?.stop(1_000);
  await h?.close();
});

async function run(outcomes: Outcome[]) {
  const job = await h.job("queued");
  script.set(job.id, outcomes);
  await h.lifecycle.requeue(job, 0); // the harness forced its status; put it on the queue again
  return job.id;
}

const settled = (id: string) =>
  eventually(async () => {
    const row = await getJob(h.db.db, id);
    return row && ["completed", "failed", "cancelled"].includes(row.status) ? row : null;
  });

test("two transient failures, a rate-limited wait, then success: three attempts, four runs", async () => {
  const id = await run([
    { kind: "retry", httpStatus: 503, code: "upstream_down", message: "down" },
    { kind: "rate_limited", httpStatus: 429, retryAfterMs: 50, message: "slow" },
    { kind: "retry", httpStatus: null, code: "timeout", message: "slow" },
    { kind: "completed", httpStatus: 200, result: { posts: 4 } },
  ]);
  const row = await settled(id);
  expect(row).toMatchObject({ status: "completed", attempts: 3, rateLimitedCount: 1, result: { posts: 4 } });
  const runs = await listRuns(h.db.db, id);
  expect(runs.map((r) => [r.attempt, r.outcome])).toEqual([
    [1, "retry"],
    [2, "rate_limited"],
    [2, "retry"],
    [3, "completed"],
  ]);
  const envelopes = seen.filter((e) => e.jobId === id);
  expect(envelopes.map((e) => e.attempt)).toEqual([1, 2, 2, 3]);
  expect(envelopes[0]).toMatchObject({
    type: "echo",
    orgId: h.orgId,
    userId: "u1",
    maxAttempts: 4,
    payload: { value: "x" },
  });
});

test("a permanent answer fails on the first attempt and notifies the user once", async () => {
  const id = await run([{ kind: "failed", httpStatus: 422, code: "token_revoked", message: "revoked" }]);
  const row = await settled(id);
  expect(row).toMatchObject({ status: "failed", attempts: 1, errorCode: "token_revoked" });
  const notes = await eventually(async () => {
    const all = await listNotifications(h.db.db, { orgId: h.orgId, userId: "u1", limit: 50 });
    return all.filter((n) => n.jobId === id).length ? all.filter((n) => n.jobId === id) : null;
  });
  expect(notes).toHaveLength(1);
  expect((await getJob(h.db.db, id))?.failureHandledAt).not.toBeNull();
});

test("a cancel while the call runs aborts it: the job ends cancelled, its run says so", async () => {
  const job = await h.job("queued");
  script.set(job.id, []); // answered by the abort below
  await h.lifecycle.requeue(job, 0);
  await eventually(async () => (await getJob(h.db.db, job.id))?.status === "active");
  const cancelled = await h.lifecycle.cancel("api", job.id, h.orgId, 5_000);
  expect(cancelled).toMatchObject({ status: "cancelled", errorCode: "cancelled" });
  const runs = await listRuns(h.db.db, job.id);
  expect(runs.map((r) => r.outcome)).toEqual(["cancelled"]);
});
