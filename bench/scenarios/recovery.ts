// Scenario 7, recovery: 100 jobs active in a relay process that is killed with SIGKILL; a new relay starts
// at once; the figure is the time from the kill to the last of the 100 finished, with the DEFAULT lock and
// stalled-check settings (LOCK_DURATION_MS 30 s, STALLED_INTERVAL_MS 15 s): BullMQ hands the jobs to the
// new relay once their locks expire and its stalled check runs. The `first-slow` handler hangs on attempt 1
// and answers at once afterwards. Raw: the same with a Worker process (same lock/stalled settings).
import { spawnFixture } from "../child.js";
import { RawBullmq } from "../raw.js";
import type { Row, ScenarioResult } from "../report.js";
import { median, waitUntil } from "../stats.js";
import { createTenants, pgClient, pool, serviceEnv, startBenchService, tenantOf } from "../system.js";
import type { ScenarioContext } from "./context.js";

const JOBS = 100;
const HANG_MS = 600_000;

async function systemRuns(ctx: ScenarioContext, runs: number): Promise<number[]> {
  const { env } = ctx;
  const prefix = env.nextPrefix("rec");
  const handlers = await startBenchService(env, prefix, { ROLE: "handlers" });
  const relayEnv = serviceEnv(env, prefix, { ROLE: "relay", HANDLERS_URL: handlers.url });
  const client = await pgClient(env.databaseUrl);
  const count = async (status: string) =>
    (
      (await client.query("select count(*)::int as n from jobs where status = $1", [status])).rows[0] as {
        n: number;
      }
    ).n;
  const out: number[] = [];
  try {
    const tenants = await createTenants(handlers, 10, 10);
    for (let r = 0; r < runs; r++) {
      await env.resetJobs();
      const first = await spawnFixture("service-process.ts", relayEnv);
      await pool(JOBS, JOBS, (i) => {
        const { orgId, userId } = tenantOf(tenants, i);
        return handlers.jobs.enqueue({
          orgId,
          userId,
          type: "first-slow",
          payload: { ms: HANG_MS },
          priority: "normal",
        });
      });
      await waitUntil(async () => (await count("active")) === JOBS, "100 active jobs", 120_000, 100);
      const killedAt = Date.now();
      await first.stop(true);
      const second = await spawnFixture("service-process.ts", relayEnv);
      try {
        await waitUntil(
          async () => (await count("completed")) === JOBS,
          "the 100 jobs to complete after the kill",
          300_000,
          200,
        );
        const last = (await client.query("select max(finished_at) as t from jobs")).rows[0] as { t: Date };
        out.push((last.t.getTime() - killedAt) / 1000);
        ctx.log(`  system run ${r + 1}: ${out.at(-1)!.toFixed(1)} s from kill -9 to all ${JOBS} completed`);
      } finally {
        await second.stop();
      }
    }
    return out;
  } finally {
    await client.end();
    await handlers.stop();
  }
}

async function rawRuns(ctx: ScenarioContext, runs: number): Promise<number[]> {
  const prefix = ctx.env.nextPrefix("raw-rec");
  const raw = await RawBullmq.open(ctx.env.redisUrl, prefix);
  const workerEnv = (sleepMs: number) => ({
    REDIS_URL: ctx.env.redisUrl,
    RAW_PREFIX: prefix,
    RAW_QUEUE: raw.name,
    RAW_CONCURRENCY: String(JOBS),
    RAW_SLEEP_MS: String(sleepMs),
  });
  const out: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const first = await spawnFixture("raw-process.ts", workerEnv(HANG_MS));
      const jobs = await pool(JOBS, JOBS, () => raw.add());
      await waitUntil(
        async () => (await raw.queue.getActiveCount()) === JOBS,
        "100 active raw jobs",
        120_000,
        100,
      );
      const killedAt = Date.now();
      await first.stop(true);
      const second = await spawnFixture("raw-process.ts", workerEnv(0));
      try {
        await waitUntil(
          async () => {
            const states = await Promise.all(jobs.map((j) => raw.queue.getJobState(j.id!)));
            return states.every((s) => s === "completed");
          },
          "the 100 raw jobs to complete after the kill",
          300_000,
          200,
        );
        const done = await Promise.all(jobs.map((j) => raw.queue.getJob(j.id!)));
        out.push((Math.max(...done.map((j) => j!.finishedOn!)) - killedAt) / 1000);
        ctx.log(`  raw run ${r + 1}: ${out.at(-1)!.toFixed(1)} s from kill -9 to all ${JOBS} completed`);
      } finally {
        await second.stop();
      }
    }
    return out;
  } finally {
    await raw.close();
  }
}

export async function recovery(ctx: ScenarioContext): Promise<ScenarioResult> {
  const runs = ctx.quick ? 1 : ctx.runs;
  const raw = median(await rawRuns(ctx, runs));
  const system = median(await systemRuns(ctx, runs));
  const rows: Row[] = [
    {
      scenario: "7 recovery",
      metric: `kill -9 with ${JOBS} active → all ${JOBS} done`,
      unit: "s",
      system,
      raw,
      compare: "delta",
      target: "≤ 60 s",
      pass: system <= 60,
    },
  ];
  return {
    rows,
    sections: [
      `**7 recovery.** ${JOBS} \`first-slow\` jobs are active in a relay process (ROLE=relay, default LOCK_DURATION_MS 30000 and STALLED_INTERVAL_MS 15000); it is killed with SIGKILL and a new relay process is started at once (its start-up is included); both relay processes run the production build (src/, handlers/, db/ transpiled by \`.ci/build.ts\` as \`npm run build\` does, plus \`bench/service-process.ts\`, once per bench run) started with plain \`node bench/service-process.js\`, no tsx loader; the figure runs from the kill to the last \`finished_at\`. Each job's lost attempt is recorded as a \`lost\` run and the next attempt answers at once. Raw: a Worker process with the same lock and stalled settings (BullMQ's own stalledInterval default is 30 s), killed the same way, then a new one whose processor returns at once; both built and started the same way (\`node bench/raw-process.js\`).${ctx.quick ? " (--quick: one run.)" : ""}`,
    ],
  };
}
