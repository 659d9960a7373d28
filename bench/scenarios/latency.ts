// Scenario 4, added latency at low load: one job at a time, the time from just before the enqueue call to
// the moment the handler's code starts (system: JobsService.enqueue → relay → signed HTTP → the `noop`
// handler, all in one process; raw: queue.add → the Worker's processor). Percentiles over N jobs per run.

import { handlerStarts } from "../catalog.js";
import { RawBullmq } from "../raw.js";
import type { Row, ScenarioResult } from "../report.js";
import { median, percentile, sleep } from "../stats.js";
import { createTenants, startBenchService } from "../system.js";
import type { ScenarioContext } from "./context.js";

const GAP_MS = 20;

function now(): number {
  return performance.timeOrigin + performance.now();
}

interface Pcts {
  p50: number;
  p99: number;
  /** p50 of the enqueue call alone (system: insert + fair priority + add; raw: add). */
  enqueueP50: number;
}

interface Sample {
  total: number;
  enqueue: number;
}

function summarize(samples: Sample[]): Pcts {
  const total = samples.map((s) => s.total);
  return {
    p50: percentile(total, 50),
    p99: percentile(total, 99),
    enqueueP50: percentile(
      samples.map((s) => s.enqueue),
      50,
    ),
  };
}

async function systemRuns(ctx: ScenarioContext, n: number, warmup: number): Promise<Pcts[]> {
  const service = await startBenchService(ctx.env, ctx.env.nextPrefix("lat"));
  const waiting = new Map<number, (at: number) => void>();
  handlerStarts.onStart = (seq, at) => waiting.get(seq)?.(at);
  let seq = 0;
  try {
    const [tenant] = await createTenants(service, 1, 1);
    const one = async () => {
      const id = ++seq;
      const started = new Promise<number>((resolve) => waiting.set(id, resolve));
      const t0 = now();
      await service.jobs.enqueue({
        orgId: tenant!.orgId,
        userId: "user-0",
        type: "noop",
        payload: { seq: id },
        priority: "normal",
      });
      const t1 = now();
      const at = await started;
      waiting.delete(id);
      await sleep(GAP_MS); // let the job finish: one job in flight at a time
      return { total: at - t0, enqueue: t1 - t0 };
    };
    for (let i = 0; i < warmup; i++) await one();
    const runs: Pcts[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      const samples: Sample[] = [];
      for (let i = 0; i < n; i++) samples.push(await one());
      runs.push(summarize(samples));
      ctx.log(
        `  system run ${r + 1}: p50 ${runs.at(-1)!.p50.toFixed(2)} ms, p99 ${runs.at(-1)!.p99.toFixed(2)} ms`,
      );
    }
    return runs;
  } finally {
    handlerStarts.onStart = null;
    await service.stop();
  }
}

async function rawRuns(ctx: ScenarioContext, n: number, warmup: number): Promise<Pcts[]> {
  const raw = await RawBullmq.open(ctx.env.redisUrl, ctx.env.nextPrefix("raw-lat"));
  const waiting = new Map<string, (at: number) => void>();
  try {
    await raw.startWorker(
      async (job) => {
        waiting.get(job.id!)?.(now());
        return { ok: true };
      },
      { concurrency: 100 },
    );
    const one = async () => {
      const id = raw.nextId();
      const started = new Promise<number>((resolve) => waiting.set(id, resolve));
      const t0 = now();
      await raw.add();
      const t1 = now();
      const at = await started;
      waiting.delete(id);
      await sleep(GAP_MS);
      return { total: at - t0, enqueue: t1 - t0 };
    };
    for (let i = 0; i < warmup; i++) await one();
    const runs: Pcts[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      const samples: Sample[] = [];
      for (let i = 0; i < n; i++) samples.push(await one());
      runs.push(summarize(samples));
      ctx.log(
        `  raw run ${r + 1}: p50 ${runs.at(-1)!.p50.toFixed(2)} ms, p99 ${runs.at(-1)!.p99.toFixed(2)} ms`,
      );
    }
    return runs;
  } finally {
    await raw.close();
  }
}

export async function latency(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.quick ? 50 : 200;
  const warmup = ctx.quick ? 10 : 30;
  const raw = median_(await rawRuns(ctx, n, warmup));
  const system = median_(await systemRuns(ctx, n, warmup));
  const rows: Row[] = [
    {
      scenario: "4 added latency",
      metric: "enqueue → handler start, p50",
      unit: "ms",
      system: system.p50,
      raw: raw.p50,
      compare: "delta",
      target: "≤ raw + 2 ms",
      pass: system.p50 - raw.p50 <= 2,
    },
    {
      scenario: "4 added latency",
      metric: "enqueue → handler start, p99",
      unit: "ms",
      system: system.p99,
      raw: raw.p99,
      compare: "delta",
      target: "≤ raw + 10 ms",
      pass: system.p99 - raw.p99 <= 10,
    },
    {
      scenario: "4 added latency",
      metric: "of which the enqueue call, p50",
      unit: "ms",
      system: system.enqueueP50,
      raw: raw.enqueueP50,
      compare: "delta",
    },
  ];
  return {
    rows,
    sections: [
      `**4 added latency.** ${n} jobs per run, one at a time (${GAP_MS} ms apart), from just before the enqueue call to the first line of the handler: system = \`JobsService.enqueue\` (Postgres insert, fair priority, \`queue.add\`) → relay (BullMQ fetch, Postgres activation, signing) → HTTP → handler kit (signature and payload checks), in one process (ROLE=all); raw = \`queue.add\` → the Worker's processor.`,
    ],
  };
}

function median_(runs: Pcts[]): Pcts {
  return {
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    enqueueP50: median(runs.map((r) => r.enqueueP50)),
  };
}
