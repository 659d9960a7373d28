// Under load, jobs share round trips (src/runtime/batch.ts): concurrent enqueues share inserts and
// script calls, a relay's slots share status writes and org-cap calls, handler requests share replay
// checks. An enqueue's rate limit and fair priority are one script call. What a user sees must not change: every job runs once and is recorded once, keys still conflict.

import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { installPgCounter, pgCounts } from "../../bench/pg-counter.js";
import { diffCounts, installRedisCounter, redisCounts } from "../../bench/redis-counter.js";
import { rowsOf } from "../../db/queries/rows.js";
import { selfClockingBatch } from "../../src/runtime/batch.js";
import { eventually } from "../helpers/eventually.js";
import { jobOf, startTestService, type TestService } from "../helpers/service.js";

let t: TestService;
beforeAll(async () => {
  installRedisCounter();
  installPgCounter();
  t = await startTestService({ env: { RELAY_CONCURRENCY: "50" } });
});
afterAll(() => t.stop());

const query = async (q: ReturnType<typeof sql>) => rowsOf(await t.db.db.execute(q));

const sum = (counts: Record<string, number>, match: RegExp) =>
  Object.entries(counts)
    .filter(([k]) => match.test(k))
    .reduce((n, [, v]) => n + v, 0);

async function post(body: Record<string, unknown>) {
  const res = await t.api("/v1/jobs", { method: "POST", json: { userId: "u1", ...body } });
  return {
    status: res.status,
    body: (await res.json()) as { job: { id: string }; error?: { code: string } },
  };
}

describe("shared round trips", () => {
  test("100 jobs at once: each runs once with one run recorded, in fewer round trips than jobs", async () => {
    const redis0 = redisCounts();
    const pg0 = pgCounts();
    const posted = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        post({ type: "echo", payload: { value: `v${i}` }, userId: `u${i % 7}` }),
      ),
    );
    expect(posted.map((p) => p.status)).toEqual(Array(100).fill(202));
    const ids = posted.map((p) => p.body.job.id);
    await eventually(
      async () => {
        const [r] = await query(
          sql`select count(*)::int as n from jobs where id in ${ids} and status = 'completed'`,
        );
        return r?.n === 100 ? true : null;
      },
      { timeoutMs: 30_000 },
    );
    const runs = await query(
      sql`select job_id, count(*)::int as n, min(attempt) as a from job_runs where job_id in ${ids} group by job_id`,
    );
    expect(runs).toHaveLength(100);
    expect(runs.every((r) => r.n === 1 && r.a === 1)).toBe(true);
    const job = await jobOf(t, ids[42]!);
    expect(job.result).toEqual({ echo: "v42", attempt: 1 });

    const redis = diffCounts(redisCounts(), redis0);
    const pg = diffCounts(pgCounts(), pg0);
    const shared = {
      inserts: sum(pg, /^insert into jobs/),
      activations: sum(pg, /^with prev as/),
      finishes: sum(pg, /^with v as/),
      admission: sum(redis, /fairPriority/), // rate limit and fair priority, one script
      orgCap: sum(redis, /orgCap/),
      replayChecks: sum(redis, /kvSetIfAbsent/),
    };
    console.log("round trips for 100 concurrent jobs:", JSON.stringify(shared));
    // Never more than one per job; the relay's slots, pulling a burst of 100, share theirs.
    for (const [name, n] of Object.entries(shared)) {
      expect(n, name).toBeGreaterThan(0);
      expect(n, name).toBeLessThanOrEqual(100);
    }
    for (const name of ["activations", "finishes", "orgCap", "replayChecks"] as const)
      expect(shared[name], name).toBeLessThan(100);
  });

  test("the same idempotency key twice in one batch: one job; another payload: 409", async () => {
    const same = await Promise.all([
      post({ type: "echo", payload: { value: "x" }, idempotencyKey: "batch-k1" }),
      post({ type: "echo", payload: { value: "x" }, idempotencyKey: "batch-k1" }),
    ]);
    expect(same[0]!.body.job.id).toBe(same[1]!.body.job.id);
    expect(same.map((s) => s.status).sort()).toEqual([200, 202]);

    const clash = await Promise.all([
      post({ type: "echo", payload: { value: "y" }, idempotencyKey: "batch-k2" }),
      post({ type: "echo", payload: { value: "z" }, idempotencyKey: "batch-k2" }),
    ]);
    expect(clash.map((c) => c.status).sort()).toEqual([202, 409]);
    expect(clash.find((c) => c.status === 409)!.body.error!.code).toBe("idempotency_conflict");
    const [rows] = await query(sql`select count(*)::int as n from jobs where idempotency_key = 'batch-k2'`);
    expect(rows?.n).toBe(1);
  });

  test("a handler message Postgres cannot store (NUL) fails that job alone, readable", async () => {
    const [bad, ...good] = await Promise.all([
      post({ type: "scripted", payload: { script: ["nul"] } }),
      ...Array.from({ length: 10 }, (_, i) => post({ type: "echo", payload: { value: `g${i}` } })),
    ]);
    const failed = await eventually(async () => {
      const job = await jobOf(t, bad!.body.job.id);
      return job.status === "failed" ? job : null;
    });
    expect(failed.error).toEqual({ code: "bad_text", message: "upstream said \uFFFD here" });
    for (const g of good) {
      await eventually(async () => ((await jobOf(t, g.body.job.id)).status === "completed" ? true : null));
    }
  });
});

describe("selfClockingBatch", () => {
  test("calls made while a batch is in flight leave together; a bad item fails alone", async () => {
    const batches: number[][] = [];
    let firstStarted = () => {};
    const started = new Promise<void>((resolve) => {
      firstStarted = resolve;
    });
    const loader = selfClockingBatch<number, number>(async (items) => {
      batches.push([...items]);
      firstStarted();
      await new Promise((r) => setTimeout(r, 20)); // the round trip
      if (items.includes(13)) throw new Error("13 is refused");
      return items.map((i) => i * 2);
    });
    const first = loader.load(1);
    await started; // the first batch is in flight
    const rest = [2, 3, 13, 4].map((i) =>
      loader.load(i).then(
        (v) => v,
        (e: Error) => e.message,
      ),
    );
    expect(await first).toBe(2);
    expect(await Promise.all(rest)).toEqual([4, 6, "13 is refused", 8]);
    expect(batches[0]).toEqual([1]);
    expect(batches[1]).toEqual([2, 3, 13, 4]); // then one by one, to isolate the failure
  });

  test("a connection error fails the whole batch (the callers retry it)", async () => {
    let calls = 0;
    const loader = selfClockingBatch<number, number>(async () => {
      calls++;
      throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    });
    const results = await Promise.allSettled([1, 2, 3].map((i) => loader.load(i)));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(calls).toBe(1);
  });
});
