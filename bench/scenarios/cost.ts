// Scenario 5, cost: Redis commands the clients send per job (what Upstash bills; a script call is one
// command) and Postgres statements per job, counted inside the process by wrapping ioredis' sendCommand and
// pg's Client.query; idle Redis commands per hour of one relay process. The system runs in a child process
// (ROLE=all, default settings) fed over HTTP; raw BullMQ runs here. Idle traffic measured just before is
// subtracted from the per-job figures.
import { createOrg } from "../../db/queries/orgs.js";
import { openNodePostgres } from "../../src/runtime/postgres.js";
import { builtDir } from "../build.js";
import { type BenchChild, spawnFixture } from "../child.js";
import { RawBullmq } from "../raw.js";
import { diffCounts, installRedisCounter, redisCounts, totalOf } from "../redis-counter.js";
import { breakdown, fmt, type Row, type ScenarioResult } from "../report.js";
import { parseIdle, runScript } from "../reuse.js";
import { median, sleep, waitUntil } from "../stats.js";
import { liveJobs, pgClient, pool, serviceEnv } from "../system.js";
import type { ScenarioContext } from "./context.js";

const IN_FLIGHT = 16;
const SETTLE_MS = 500;
/** Jobs spread over this many organizations (fresh ones each run, so ENQUEUE_RATE_LIMIT's window is fresh). */
const ORGS = 10;

type Counts = Record<string, number>;

function scale(c: Counts, k: number): Counts {
  return Object.fromEntries(Object.entries(c).map(([key, v]) => [key, v * k]));
}

/** (window − idle rate × duration) / jobs, per key; keys that are only idle noise drop out. */
function perJob(window: Counts, idlePerMs: Counts, durationMs: number, jobs: number): Counts {
  const out: Counts = {};
  for (const [k, v] of Object.entries(window)) {
    const net = (v - (idlePerMs[k] ?? 0) * durationMs) / jobs;
    if (net > 0.005) out[k] = net;
  }
  return out;
}

function medianCounts(runs: Counts[]): Counts {
  const keys = new Set(runs.flatMap((r) => Object.keys(r)));
  return Object.fromEntries([...keys].map((k) => [k, median(runs.map((r) => r[k] ?? 0))]));
}

interface Side {
  redis: Counts;
  pg: Counts;
  /** Jobs per second the HTTP enqueues arrived at (raw is also fed at this rate, see rawPerJob). */
  arrivalRate?: number;
}

async function systemPerJob(ctx: ScenarioContext, jobs: number, idleMs: number): Promise<Side[]> {
  const { env } = ctx;
  const child = await spawnFixture(
    "service-process.ts",
    serviceEnv(env, env.nextPrefix("cost"), { BENCH_COUNT: "1" }),
  );
  const pgx = await openNodePostgres(env.databaseUrl, { max: 1 });
  const client = await pgClient(env.databaseUrl);
  try {
    const keys: string[] = [];
    for (let i = 0; i < ORGS * (ctx.runs + 1); i++)
      keys.push((await createOrg(pgx.db, `bench-cost-${i}`)).apiKey);
    let nextKey = 0;
    const runOnce = async (n: number, idle: Side | null, idleDur: number) => {
      const orgKeys = keys.slice(nextKey, nextKey + ORGS);
      nextKey += ORGS;
      const before = await child.counts();
      const t0 = Date.now();
      await pool(n, IN_FLIGHT, async (i) => {
        const res = await fetch(`${child.url}/v1/jobs`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${orgKeys[i % orgKeys.length]}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({ type: "noop", userId: `user-${i % 10}`, payload: { seq: i } }),
        });
        if (res.status !== 202) throw new Error(`enqueue answered ${res.status}: ${await res.text()}`);
      });
      const arrivalRate = n / ((Date.now() - t0) / 1000);
      await waitUntil(async () => (await liveJobs(client)) === 0, "cost jobs to finish", 300_000, 100);
      await sleep(SETTLE_MS);
      const after = await child.counts();
      const dur = Date.now() - t0;
      const zero: Side = { redis: {}, pg: {} };
      const i = idle ?? zero;
      return {
        redis: perJob(diffCounts(after.redis, before.redis), scale(i.redis, 1 / idleDur), dur, n),
        pg: perJob(diffCounts(after.pg, before.pg), scale(i.pg, 1 / idleDur), dur, n),
        arrivalRate,
      };
    };
    await env.resetJobs(); // jobs left by earlier scenarios would never finish here
    ctx.log("  system warm-up");
    await runOnce(Math.min(100, jobs), null, 1);
    const c0 = await child.counts();
    await sleep(idleMs);
    const c1 = await child.counts();
    const idle: Side = { redis: diffCounts(c1.redis, c0.redis), pg: diffCounts(c1.pg, c0.pg) };
    const runs: Side[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      await env.resetJobs();
      runs.push(await runOnce(jobs, idle, idleMs));
      ctx.log(
        `  system run ${r + 1}: ${fmt(totalOf(runs.at(-1)!.redis))} Redis commands/job, ${fmt(totalOf(runs.at(-1)!.pg))} Postgres statements/job`,
      );
    }
    return runs;
  } finally {
    await client.end();
    await pgx.close();
    await child.stop();
  }
}

/**
 * Raw BullMQ's commands per job: adds with IN_FLIGHT in flight (as fast as they go), or, with `ratePerS`,
 * open loop at that rate (the system's arrival rate: a Worker that drains faster than jobs arrive fetches
 * each one with its own moveToActive instead of getting it from the previous moveToFinished).
 */
async function rawPerJob(
  ctx: ScenarioContext,
  jobs: number,
  idleMs: number,
  ratePerS?: number,
): Promise<Counts[]> {
  installRedisCounter();
  const raw = await RawBullmq.open(ctx.env.redisUrl, ctx.env.nextPrefix("raw-cost"));
  let done = 0;
  try {
    const worker = await raw.startWorker(async () => ({ ok: true }), { concurrency: 100 });
    worker.on("completed", () => {
      done++;
    });
    const runOnce = async (n: number, idle: Counts, idleDur: number) => {
      done = 0;
      const before = redisCounts();
      const t0 = Date.now();
      if (ratePerS) {
        const pending: Promise<unknown>[] = [];
        for (let i = 0; i < n; i++) {
          const due = t0 + (i * 1000) / ratePerS;
          if (due > Date.now()) await sleep(due - Date.now());
          pending.push(raw.add());
        }
        await Promise.all(pending);
      } else await pool(n, IN_FLIGHT, () => raw.add());
      await waitUntil(() => done >= n, "raw cost jobs", 300_000, 20);
      await sleep(SETTLE_MS);
      const window = diffCounts(redisCounts(), before);
      return perJob(window, scale(idle, 1 / idleDur), Date.now() - t0, n);
    };
    await runOnce(Math.min(100, jobs), {}, 1);
    const c0 = redisCounts();
    await sleep(idleMs);
    const idle = diffCounts(redisCounts(), c0);
    const runs: Counts[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      runs.push(await runOnce(jobs, idle, idleMs));
      ctx.log(
        `  raw run ${r + 1}${ratePerS ? ` (at ${fmt(ratePerS)} jobs/s)` : ""}: ${fmt(totalOf(runs.at(-1)!))} Redis commands/job`,
      );
    }
    return runs;
  } finally {
    await raw.close();
  }
}

/** An idle raw Worker's commands per hour, counted here over `windowMs` after a 10 s settle. */
async function rawIdlePerHour(ctx: ScenarioContext, windowMs: number): Promise<Counts> {
  installRedisCounter();
  const raw = await RawBullmq.open(ctx.env.redisUrl, ctx.env.nextPrefix("raw-idle"));
  try {
    await raw.startWorker(async () => ({}), { concurrency: 100 });
    await sleep(10_000);
    const r0 = redisCounts();
    await sleep(windowMs);
    return scale(diffCounts(redisCounts(), r0), 3_600_000 / windowMs);
  } finally {
    await raw.close();
  }
}

/**
 * Idle relay: bench/idle-commands.ts when present (the relay's own idle benchmark: src/main.ts ROLE=relay
 * on a private redis-server, MONITOR lines outside Lua), beside an idle raw Worker over the same time.
 * Without it, the relay is measured here (counter inside a ROLE=relay child).
 */
/** Idle: the production setup (cron in QStash) after the relay has slowed its stalled checks (5 idle min). */
const idleWarmupS = (quick: boolean) => (quick ? 40 : 330);

async function idle(ctx: ScenarioContext, windowMs: number) {
  const warmupS = idleWarmupS(ctx.quick);
  const script = runScript(
    "idle-commands.ts",
    [String(windowMs / 1000), "relay"],
    // it starts the relay from this run's build
    { BENCH_BUILT_DIR: await builtDir(), IDLE_WARMUP_S: String(warmupS), SCHEDULER: "qstash" },
    windowMs + warmupS * 1000 + 180_000,
  );
  // Their script waits out its warm-up after start-up before its window; start the raw window about as late.
  const rawRun = sleep((warmupS - 10) * 1000).then(() => rawIdlePerHour(ctx, windowMs));
  const [out, raw] = await Promise.all([script, rawRun]);
  const parsed = out ? parseIdle(out) : null;
  if (parsed)
    return {
      system: parsed.perHour,
      byQueue: parsed.byQueue,
      systemPg: null,
      raw,
      source: "idle-commands.ts" as const,
    };
  if (out) ctx.log(`  could not read idle-commands.ts output:\n${out}`);
  const own = await idlePerHour(ctx, windowMs);
  return { ...own, byQueue: null, source: "own" as const };
}

/** One idle relay process (real catalog) and one idle raw Worker, side by side over the same window. */
async function idlePerHour(ctx: ScenarioContext, windowMs: number) {
  installRedisCounter();
  const { env } = ctx;
  const relay: BenchChild = await spawnFixture(
    "service-process.ts",
    serviceEnv(env, env.nextPrefix("idle"), {
      ROLE: "relay",
      BENCH_COUNT: "1",
      BENCH_CATALOG: "real",
      HANDLERS_URL: "http://127.0.0.1:9/handlers",
      RELAY_TYPE_CONCURRENCY: "",
    }),
  );
  const raw = await RawBullmq.open(env.redisUrl, env.nextPrefix("raw-idle"));
  try {
    await raw.startWorker(async () => ({}), { concurrency: 100 });
    await sleep(10_000); // start-up traffic (script loads, schedule reconcile) is not idle traffic
    const s0 = await relay.counts();
    const r0 = redisCounts();
    ctx.log(`  idle for ${(windowMs / 1000).toFixed(0)} s`);
    await sleep(windowMs);
    const s1 = await relay.counts();
    const perHour = 3_600_000 / windowMs;
    return {
      system: scale(diffCounts(s1.redis, s0.redis), perHour),
      systemPg: scale(diffCounts(s1.pg, s0.pg), perHour),
      raw: scale(diffCounts(redisCounts(), r0), perHour),
    };
  } finally {
    await raw.close();
    await relay.stop();
  }
}

export async function cost(ctx: ScenarioContext): Promise<ScenarioResult> {
  const jobs = ctx.quick ? 200 : 1000;
  const idleMs = ctx.quick ? 5_000 : 10_000;
  const idleWindowMs = ctx.quick ? 45_000 : 300_000;
  const rawRuns = await rawPerJob(ctx, jobs, idleMs);
  const sysRuns = await systemPerJob(ctx, jobs, idleMs);
  const arrival = median(sysRuns.map((r) => r.arrivalRate ?? 0));
  const pacedRuns = await rawPerJob(ctx, jobs, idleMs, arrival);
  const idleRes = await idle(ctx, idleWindowMs);
  const rawPer = medianCounts(rawRuns);
  const sysRedis = medianCounts(sysRuns.map((r) => r.redis));
  const sysPg = medianCounts(sysRuns.map((r) => r.pg));
  const sysTotal = median(sysRuns.map((r) => totalOf(r.redis)));
  const rawTotal = median(rawRuns.map(totalOf));
  const idleSys = totalOf(idleRes.system);
  const s = "5 cost";
  const rows: Row[] = [
    {
      scenario: s,
      metric: "Redis commands per job",
      unit: "",
      system: sysTotal,
      raw: rawTotal,
      compare: "ratio",
      target: "≤ 1.2 × raw",
      pass: sysTotal <= 1.2 * rawTotal,
    },
    {
      scenario: s,
      metric: `Redis commands per job, raw fed at the system's arrival rate (${Math.round(arrival)} jobs/s)`,
      unit: "",
      system: sysTotal,
      raw: median(pacedRuns.map(totalOf)),
      compare: "ratio",
    },
    {
      scenario: s,
      metric: "Postgres statements per job",
      unit: "",
      system: median(sysRuns.map((r) => totalOf(r.pg))),
      raw: null,
    },
    {
      scenario: s,
      metric: "idle Redis commands per hour, one relay process",
      unit: "",
      system: idleSys,
      raw: totalOf(idleRes.raw),
      compare: "ratio",
      target: "≤ 300",
      pass: idleSys <= 300,
    },
  ];
  if (idleRes.systemPg)
    rows.push({
      scenario: s,
      metric: "idle Postgres statements per hour, one relay process",
      unit: "",
      system: totalOf(idleRes.systemPg),
      raw: null,
    });
  return {
    rows,
    sections: [
      `**5 cost.** Commands are counted inside each process by wrapping ioredis' \`sendCommand\` (every client: the API's, BullMQ's blocking and command connections, duplicates), so a Lua script is one \`evalsha\` however many calls it makes inside (as Upstash bills it); Postgres statements by wrapping node-postgres' \`Client.query\`. Per job: ${jobs} \`noop\` jobs per run sent as \`POST /v1/jobs\` (${IN_FLIGHT} in flight, default ENQUEUE_RATE_LIMIT, spread over ${ORGS} fresh organizations × 10 users so the default ORG_MAX_ACTIVE 50 is not hit) to the system in a child process (ROLE=all: API + relay + handlers, default settings; the production build, \`.ci/build.ts\` plus \`bench/service-process.ts\` transpiled the same way, started with plain \`node bench/service-process.js\`), until every job is completed, minus the idle traffic measured over ${idleMs / 1000} s just before, divided by the jobs. Raw: \`queue.add\` (same job options) into a Worker (concurrency 100, no-op) in this process, counted the same way, ${IN_FLIGHT} adds in flight (faster than the system's HTTP enqueues: the Worker mostly gets its next job from the previous \`moveToFinished\`); then again open loop at the system's measured arrival rate (${Math.round(arrival)} jobs/s), where it drains faster than jobs arrive and fetches most with their own \`moveToActive\`, as the relay does. Idle: ${
        idleRes.source === "idle-commands.ts"
          ? `\`bench/idle-commands.ts\` (the relay's own idle benchmark: this run's build started with plain \`node main.js\`, ROLE=relay and the real catalog on a private redis-server, SCHEDULER=qstash (cron in QStash, the production setup), DRAIN_DELAY_S 300, STALLED_INTERVAL_MS 15000 (STALLED_IDLE_INTERVAL_MS after 5 idle minutes), RECONCILE_INTERVAL_MS 60000, counting MONITOR lines outside Lua after a ${idleWarmupS(ctx.quick)} s warm-up, so a full run counts the steady idle state), run as a child`
          : "one relay process counted here (ROLE=relay, `node bench/service-process.js` from the build, the real catalog: each job type its own Worker, plus the scheduler's fan-out Worker, the reconciler and the notifier; DRAIN_DELAY_S 30, STALLED_INTERVAL_MS 15000, LOCK_DURATION_MS 30000, RECONCILE_INTERVAL_MS 30000) after a 10 s settle"
      }, beside one idle raw Worker (drainDelay 30 s, stalledInterval 15 s) over a window of the same length (${idleWindowMs / 1000} s), extrapolated to an hour.`,
      breakdown("Redis commands per job, by command (evalsha by script name)", sysRedis, rawPer),
      breakdown(
        `Redis commands per job, by command, raw fed at the system's arrival rate (${Math.round(arrival)} jobs/s)`,
        sysRedis,
        medianCounts(pacedRuns),
      ),
      breakdown("Postgres statements per job (system)", sysPg, null),
      breakdown("Idle Redis commands per hour, by command", idleRes.system, idleRes.raw, 0),
      ...(idleRes.byQueue
        ? [
            breakdown(
              "Idle Redis commands per hour of the relay, by worker queue",
              idleRes.byQueue,
              null,
              0,
            ).replace("| statement |", "| queue |"),
          ]
        : []),
      ...(idleRes.systemPg
        ? [breakdown("Idle Postgres statements per hour (relay process)", idleRes.systemPg, null, 0)]
        : []),
    ],
  };
}
