// Scenario 6, schedule precision: a 1-second cron ("* * * * * *") on the `scrape` schedule for a window,
// through the real scheduler (src/scheduler: the schedules row reconciled into a BullMQ job scheduler, the
// fan-out worker running the real fan-out), vs a raw BullMQ job scheduler with the same pattern into a
// no-op Worker. Lateness of a fire = when its job started (processedOn) − when it was due (prevMillis).
import { type Job, Queue } from "bullmq";
import { catalog as realCatalog } from "../../handlers/catalog.js";
import { SCHEDULER_QUEUE } from "../../src/scheduler/scheduler-queue.js";
import { RawBullmq } from "../raw.js";
import type { Row, ScenarioResult } from "../report.js";
import { parseSchedule, runScript } from "../reuse.js";
import { median, percentile, sleep } from "../stats.js";
import { startBenchService } from "../system.js";
import type { ScenarioContext } from "./context.js";

const CRON = "* * * * * *";
const SKIP = 2; // first fires: schedule just installed

function lateness(jobs: Job[], from: number, to: number): number[] {
  return jobs
    .filter((j) => j.opts.prevMillis && j.processedOn && j.opts.prevMillis >= from && j.opts.prevMillis < to)
    .sort((a, b) => a.opts.prevMillis! - b.opts.prevMillis!)
    .slice(SKIP)
    .map((j) => j.processedOn! - j.opts.prevMillis!);
}

interface Late {
  p50: number;
  p99: number;
  fires: number;
}

function summarize(samples: number[]): Late {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), fires: samples.length };
}

async function systemWindow(ctx: ScenarioContext, windowMs: number): Promise<Late> {
  const prefix = ctx.env.nextPrefix("sched");
  const service = await startBenchService(
    ctx.env,
    prefix,
    { ROLE: "relay", HANDLERS_URL: "http://127.0.0.1:9/handlers" },
    realCatalog,
  );
  const queue = new Queue(SCHEDULER_QUEUE, { connection: { url: ctx.env.redisUrl }, prefix });
  try {
    const from = Date.now();
    await service.scheduler!.control.update("scrape", { cron: CRON, timezone: "UTC", enabled: true });
    await sleep(windowMs);
    const to = Date.now();
    await service.scheduler!.control.update("scrape", { cron: CRON, enabled: false });
    await sleep(1500); // let the last due fires finish
    return summarize(lateness(await queue.getJobs(["completed", "failed"], 0, -1), from, to));
  } finally {
    await queue.close();
    await service.stop();
  }
}

/** bench/schedule-precision.ts (the schedules' own benchmark) on this run's Redis and database, if present. */
async function reusedWindow(ctx: ScenarioContext, windowMs: number): Promise<Late | null> {
  const out = await runScript(
    "schedule-precision.ts",
    [],
    {
      BENCH_SECONDS: String(windowMs / 1000),
      DATABASE_URL: ctx.env.databaseUrl,
      REDIS_URL: ctx.env.redisUrl,
    },
    windowMs + 120_000,
  );
  const parsed = out ? parseSchedule(out) : null;
  if (out && !parsed) ctx.log(`  could not read schedule-precision.ts output:\n${out}`);
  return parsed;
}

let reused = false;

async function rawWindow(ctx: ScenarioContext, windowMs: number): Promise<Late> {
  const raw = await RawBullmq.open(ctx.env.redisUrl, ctx.env.nextPrefix("raw-sched"), "raw-sched");
  try {
    // Like the fan-out worker: concurrency 1, BullMQ's default worker settings.
    await raw.startWorker(async () => ({ ok: true }), {
      concurrency: 1,
      stalledIntervalMs: 30_000,
      drainDelayS: 5,
    });
    const from = Date.now();
    await raw.queue.upsertJobScheduler("raw-every-second", { pattern: CRON, tz: "UTC" }, { name: "tick" });
    await sleep(windowMs);
    const to = Date.now();
    await raw.queue.removeJobScheduler("raw-every-second");
    await sleep(1500);
    return summarize(lateness(await raw.queue.getJobs(["completed", "failed"], 0, -1), from, to));
  } finally {
    await raw.close();
  }
}

export async function schedule(ctx: ScenarioContext): Promise<ScenarioResult> {
  const windowMs = ctx.quick ? 15_000 : 60_000;
  const sys: Late[] = [];
  const raw: Late[] = [];
  for (let r = 0; r < ctx.runs; r++) {
    // Side by side: the two schedulers are independent, and it halves the wall time.
    const [s, w] = await Promise.all([
      reusedWindow(ctx, windowMs).then((r) => {
        reused = r !== null;
        return r ?? systemWindow(ctx, windowMs);
      }),
      rawWindow(ctx, windowMs),
    ]);
    sys.push(s);
    raw.push(w);
    ctx.log(
      `  run ${r + 1}: system p50 ${s.p50} ms p99 ${s.p99} ms (${s.fires} fires); raw p50 ${w.p50} ms p99 ${w.p99} ms (${w.fires} fires)`,
    );
  }
  const m = (runs: Late[], k: keyof Late) => median(runs.map((r) => r[k]));
  const p99 = m(sys, "p99");
  const label = `1-s cron for ${windowMs / 1000} s, lateness`;
  const rows: Row[] = [
    {
      scenario: "6 schedule precision",
      metric: `${label} p50`,
      unit: "ms",
      system: m(sys, "p50"),
      raw: m(raw, "p50"),
      compare: "delta",
    },
    {
      scenario: "6 schedule precision",
      metric: `${label} p99`,
      unit: "ms",
      system: p99,
      raw: m(raw, "p99"),
      compare: "delta",
      target: "≤ 1000 ms",
      pass: p99 <= 1000,
    },
  ];
  return {
    rows,
    sections: [
      reused
        ? `**6 schedule precision.** System: \`bench/schedule-precision.ts\` (the schedules' own benchmark, run as a child on this run's Redis and database): the \`scrape\` schedule at \`*/1 * * * * *\` reconciled by \`ScheduleControl\` into a BullMQ job scheduler, the real \`FanOutWorker\` running the real fan-out; lateness = fan-out start − due time. Raw, in the same ${windowMs / 1000}-s window: \`upsertJobScheduler\` with \`${CRON}\` into a Worker with concurrency 1 and BullMQ's default settings, like the fan-out worker; lateness = \`processedOn\` − \`prevMillis\`, the first ${SKIP} fires skipped.`
        : `**6 schedule precision.** The \`scrape\` schedule set to \`${CRON}\` (UTC) through \`ScheduleControl.update\` in a relay-role service (SCHEDULER=bullmq, the real catalog), so the real path runs: schedules row → BullMQ job scheduler on \`_scheduler\` → fan-out worker → real fan-out (no sources: zero targets) → schedule run recorded. Lateness = the fire's job start (\`processedOn\`) − its due time (\`prevMillis\`), the first ${SKIP} fires skipped; the ${windowMs / 1000}-s windows of the system and raw run at the same time. Raw: \`upsertJobScheduler\` with the same pattern into a Worker with concurrency 1 and BullMQ's default settings, like the fan-out worker.`,
    ],
  };
}
