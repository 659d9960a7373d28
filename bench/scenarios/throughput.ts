// Scenario 1, throughput: N jobs through the whole system (JobsService.enqueue in-process → BullMQ → relay
// at concurrency 100 → signed HTTP → the `noop` handler verifies and answers → status in Postgres), vs raw
// BullMQ (queue.add → Worker with a no-op processor, concurrency 100). Both enqueue with 64 calls in flight
// while the workers run; jobs/s = N / (first enqueue → last job finished).
import { RawBullmq } from "../raw.js";
import type { Row, ScenarioResult } from "../report.js";
import { median, waitUntil } from "../stats.js";
import { createTenants, liveJobs, pgClient, pool, startBenchService, tenantOf } from "../system.js";
import type { ScenarioContext } from "./context.js";

const IN_FLIGHT = 64;

interface Tp {
  rate: number;
  /** This process's CPU (user + system) per job: robust on a shared machine, unlike wall-clock rates. */
  cpuMs: number;
}

function cpuMsPerJob(since: NodeJS.CpuUsage, jobs: number): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000 / jobs;
}

async function systemRuns(ctx: ScenarioContext, n: number, warmup: number): Promise<Tp[]> {
  const { env } = ctx;
  const service = await startBenchService(env, env.nextPrefix("tp"));
  const client = await pgClient(env.databaseUrl);
  try {
    const tenants = await createTenants(service, 10, 10);
    const once = async (count: number) => {
      await env.resetJobs();
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      await pool(count, IN_FLIGHT, (i) => {
        const { orgId, userId } = tenantOf(tenants, i);
        return service.jobs.enqueue({ orgId, userId, type: "noop", payload: { seq: i }, priority: "normal" });
      });
      await waitUntil(async () => (await liveJobs(client)) === 0, "system jobs to finish", 600_000, 100);
      const r = await client.query(
        "select count(*) filter (where status = 'completed')::int as done, max(finished_at) as last from jobs",
      );
      const row = r.rows[0] as { done: number; last: Date };
      if (row.done !== count) throw new Error(`system: ${row.done} of ${count} jobs completed`);
      return { rate: count / ((row.last.getTime() - t0) / 1000), cpuMs: cpuMsPerJob(cpu0, count) };
    };
    ctx.log(`  system warm-up (${warmup} jobs)`);
    await once(warmup);
    const runs: Tp[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      runs.push(await once(n));
      ctx.log(
        `  system run ${i + 1}: ${runs.at(-1)!.rate.toFixed(0)} jobs/s, ${runs.at(-1)!.cpuMs.toFixed(2)} CPU ms/job`,
      );
    }
    return runs;
  } finally {
    await client.end();
    await service.stop();
  }
}

async function rawRuns(ctx: ScenarioContext, n: number, warmup: number): Promise<Tp[]> {
  const raw = await RawBullmq.open(ctx.env.redisUrl, ctx.env.nextPrefix("raw-tp"));
  let done = 0;
  let last = 0;
  try {
    const worker = await raw.startWorker(async () => ({ ok: true }), { concurrency: 100 });
    worker.on("completed", () => {
      done++;
      last = Date.now();
    });
    const once = async (count: number) => {
      done = 0;
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      await pool(count, IN_FLIGHT, () => raw.add());
      await waitUntil(() => done >= count, "raw jobs to finish", 600_000, 20);
      return { rate: count / ((last - t0) / 1000), cpuMs: cpuMsPerJob(cpu0, count) };
    };
    ctx.log(`  raw warm-up (${warmup} jobs)`);
    await once(warmup);
    const runs: Tp[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      runs.push(await once(n));
      ctx.log(
        `  raw run ${i + 1}: ${runs.at(-1)!.rate.toFixed(0)} jobs/s, ${runs.at(-1)!.cpuMs.toFixed(2)} CPU ms/job`,
      );
    }
    return runs;
  } finally {
    await raw.close();
  }
}

export async function throughput(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.quick ? 2_000 : 20_000;
  const warmup = Math.max(200, n / 10);
  const rawRs = await rawRuns(ctx, n, warmup);
  const sysRs = await systemRuns(ctx, n, warmup);
  const raw = median(rawRs.map((r) => r.rate));
  const system = median(sysRs.map((r) => r.rate));
  const cpu: Row = {
    scenario: "1 throughput",
    metric: "CPU time per job (the Node process; Redis and Postgres not included)",
    unit: "ms",
    system: median(sysRs.map((r) => r.cpuMs)),
    raw: median(rawRs.map((r) => r.cpuMs)),
    compare: "ratio",
  };
  const row: Row = {
    scenario: "1 throughput",
    metric: `${n.toLocaleString("en-US")} jobs, concurrency 100`,
    unit: "jobs/s",
    system,
    raw,
    compare: "ratio",
    target: "ratio ≥ 0.5",
    pass: system / raw >= 0.5,
  };
  return {
    rows: [row, cpu],
    sections: [
      `**1 throughput.** ${n.toLocaleString("en-US")} \`noop\` jobs spread over 10 organizations × 10 users, enqueued in-process with \`JobsService.enqueue\` (Postgres insert + fair priority + \`queue.add\`), ${IN_FLIGHT} enqueues in flight while the relay (ROLE=all, one process, RELAY_CONCURRENCY 100) drains them over signed HTTP to the handlers mounted at /handlers; the figure is N / (first enqueue → last \`finished_at\`). Raw: \`queue.add\` with the same job options, ${IN_FLIGHT} in flight, into a Worker (concurrency 100) whose processor returns at once.`,
    ],
  };
}
