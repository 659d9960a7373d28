// Scenario 2, concurrency: waves of 100 jobs whose handler takes 1 s, each wave enqueued at once and
// waited for. jobs/s = jobs / Σ(wave: first enqueue → last finish), ideal 100; enqueue-to-finish p50/p99
// from the stored timestamps (ideal 1 s). The relay runs alone in a child process (ROLE=relay) so its
// peak RSS is its own; the handlers and the enqueuing run in this process (ROLE=handlers service).
// Raw: a Worker (concurrency 100, processor sleeps 1 s) in a child process, fed by queue.add from here.
// Both children run the production build with plain `node <file>.js` (child.ts, build.ts), not tsx.
import { type BenchChild, spawnFixture } from "../child.js";
import { RawBullmq } from "../raw.js";
import type { Row, ScenarioResult } from "../report.js";
import { median, percentile, waitUntil } from "../stats.js";
import {
  createTenants,
  liveJobs,
  pgClient,
  pool,
  serviceEnv,
  startBenchService,
  tenantOf,
} from "../system.js";
import type { ScenarioContext } from "./context.js";

const WAVE = 100;
const HANDLER_MS = 1000;

/** What a wave is: how many jobs at once, how long each handler takes, and the relay's settings. */
export interface WaveShape {
  wave: number;
  handlerMs: number;
  /** A tag for the Redis prefixes. */
  tag: string;
  /** Extra environment of the relay child (RELAY_CONCURRENCY…). */
  relayEnv?: Record<string, string>;
  /** Extra environment of the in-process handlers service, which also enqueues. */
  handlersEnv?: Record<string, string>;
}

const DEFAULT_SHAPE: WaveShape = { wave: WAVE, handlerMs: HANDLER_MS, tag: "conc" };

export interface Conc {
  jobsPerS: number;
  p50: number;
  p99: number;
  rssMb: number;
}

export function watchRss(child: BenchChild): { peak(): number; stop(): void } {
  let peak = child.rssMb();
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, child.rssMb());
    } catch {
      // exited
    }
  }, 100);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

/** Waves of `shape.wave` jobs through a relay child process; per run: jobs/s, latency, the relay's peak RSS. */
export async function systemWaveRuns(
  ctx: ScenarioContext,
  waves: number,
  shape: WaveShape = DEFAULT_SHAPE,
): Promise<Conc[]> {
  const { env } = ctx;
  const { wave: WAVE, handlerMs: HANDLER_MS } = shape;
  const prefix = env.nextPrefix(shape.tag);
  const handlers = await startBenchService(env, prefix, { ROLE: "handlers", ...shape.handlersEnv });
  const relay = await spawnFixture(
    "service-process.ts",
    serviceEnv(env, prefix, { ROLE: "relay", HANDLERS_URL: handlers.url, ...shape.relayEnv }),
  );
  const rss = watchRss(relay);
  const client = await pgClient(env.databaseUrl);
  try {
    const tenants = await createTenants(handlers, 10, 10);
    const wave = async () => {
      await env.resetJobs();
      await pool(WAVE, WAVE, (i) => {
        const { orgId, userId } = tenantOf(tenants, i);
        return handlers.jobs.enqueue({
          orgId,
          userId,
          type: "sleep",
          payload: { ms: HANDLER_MS },
          priority: "normal",
        });
      });
      await waitUntil(async () => (await liveJobs(client)) === 0, "a wave to finish", 120_000, 50);
      const r = await client.query(
        `select count(*) filter (where status = 'completed')::int as done,
           extract(epoch from max(finished_at) - min(created_at)) * 1000 as span,
           array_agg(extract(epoch from finished_at - created_at) * 1000) as lat from jobs`,
      );
      const row = r.rows[0] as { done: number; span: string; lat: string[] };
      if (row.done !== WAVE) throw new Error(`system: ${row.done} of ${WAVE} jobs completed`);
      return { spanMs: Number(row.span), lat: row.lat.map(Number) };
    };
    ctx.log("  system warm-up (1 wave)");
    await wave();
    const runs: Conc[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      let span = 0;
      const lat: number[] = [];
      for (let w = 0; w < waves; w++) {
        const res = await wave();
        span += res.spanMs;
        lat.push(...res.lat);
      }
      runs.push({
        jobsPerS: (waves * WAVE) / (span / 1000),
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        rssMb: rss.peak(),
      });
      const r = runs.at(-1)!;
      ctx.log(
        `  system run ${i + 1}: ${r.jobsPerS.toFixed(1)} jobs/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, relay peak RSS ${r.rssMb.toFixed(0)} MB`,
      );
    }
    return runs;
  } finally {
    rss.stop();
    await client.end();
    await relay.stop();
    await handlers.stop();
  }
}

/** The same waves through raw BullMQ: a Worker child process (concurrency = the wave) sleeping `handlerMs`. */
export async function rawWaveRuns(
  ctx: ScenarioContext,
  waves: number,
  shape: WaveShape = DEFAULT_SHAPE,
): Promise<Conc[]> {
  const { wave: WAVE, handlerMs: HANDLER_MS } = shape;
  const prefix = ctx.env.nextPrefix(`raw-${shape.tag}`);
  const raw = await RawBullmq.open(ctx.env.redisUrl, prefix);
  const worker = await spawnFixture("raw-process.ts", {
    REDIS_URL: ctx.env.redisUrl,
    RAW_PREFIX: prefix,
    RAW_QUEUE: raw.name,
    RAW_CONCURRENCY: String(WAVE),
    RAW_SLEEP_MS: String(HANDLER_MS),
  });
  const rss = watchRss(worker);
  try {
    const wave = async () => {
      const jobs = await pool(WAVE, WAVE, () => raw.add());
      await waitUntil(
        async () => {
          const c = await raw.queue.getJobCounts("wait", "active", "prioritized", "delayed");
          return Object.values(c).every((n) => n === 0);
        },
        "a raw wave to finish",
        120_000,
        50,
      );
      const done = await Promise.all(jobs.map((j) => raw.queue.getJob(j.id!)));
      const lat = done.map((j) => j!.finishedOn! - j!.timestamp);
      const span = Math.max(...done.map((j) => j!.finishedOn!)) - Math.min(...done.map((j) => j!.timestamp));
      return { spanMs: span, lat };
    };
    await wave();
    const runs: Conc[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      let span = 0;
      const lat: number[] = [];
      for (let w = 0; w < waves; w++) {
        const res = await wave();
        span += res.spanMs;
        lat.push(...res.lat);
      }
      runs.push({
        jobsPerS: (waves * WAVE) / (span / 1000),
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        rssMb: rss.peak(),
      });
      const r = runs.at(-1)!;
      ctx.log(
        `  raw run ${i + 1}: ${r.jobsPerS.toFixed(1)} jobs/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, worker peak RSS ${r.rssMb.toFixed(0)} MB`,
      );
    }
    return runs;
  } finally {
    rss.stop();
    await worker.stop();
    await raw.close();
  }
}

/** The rows of a wave scenario: jobs/s, enqueue → finish p50 and p99, the relay's peak RSS, with targets. */
export function waveRows(
  scenario: string,
  metric: string,
  system: Conc[],
  raw: Conc[],
  targets: { jobsPerS: number; rssMb: number; jobsLabel?: string },
): Row[] {
  const m = (runs: Conc[], k: keyof Conc) => median(runs.map((r) => r[k]));
  const jobsPerS = m(system, "jobsPerS");
  const rss = Math.max(...system.map((r) => r.rssMb));
  const latency = (p: "p50" | "p99"): Row => ({
    scenario,
    metric: `enqueue → finish, ${p}`,
    unit: "ms",
    system: m(system, p),
    raw: m(raw, p),
    compare: "delta",
  });
  return [
    {
      scenario,
      metric,
      unit: "jobs/s",
      system: jobsPerS,
      raw: m(raw, "jobsPerS"),
      compare: "ratio",
      target: targets.jobsLabel ?? `≥ ${targets.jobsPerS} jobs/s`,
      pass: jobsPerS >= targets.jobsPerS,
    },
    latency("p50"),
    latency("p99"),
    {
      scenario,
      metric: "relay (raw: worker) process peak RSS",
      unit: "MB",
      system: rss,
      raw: Math.max(...raw.map((r) => r.rssMb)),
      compare: "ratio",
      target: `≤ ${targets.rssMb} MB`,
      pass: rss <= targets.rssMb,
    },
  ];
}

export async function concurrency(ctx: ScenarioContext): Promise<ScenarioResult> {
  const waves = ctx.quick ? 2 : 5;
  const raw = await rawWaveRuns(ctx, waves);
  const system = await systemWaveRuns(ctx, waves);
  const rows = waveRows("2 concurrency", "100 concurrent 1-s jobs, completed", system, raw, {
    jobsPerS: 95,
    rssMb: 200,
  });
  return {
    rows,
    sections: [
      `**2 concurrency.** ${waves} waves of ${WAVE} \`sleep\` jobs (the handler answers after ${HANDLER_MS} ms) per run, spread over 10 organizations × 10 users (ORG_MAX_ACTIVE stays at its default 50); each wave is enqueued at once (${WAVE} \`JobsService.enqueue\` calls in flight) and waited for. jobs/s = jobs / Σ (first \`created_at\` → last \`finished_at\` of each wave), so the ideal is 100 and every millisecond of overhead per job shows. The relay is a separate process (ROLE=relay, RELAY_CONCURRENCY 100, with the bench catalog) running the production build: src/, handlers/ and db/ transpiled by \`.ci/build.ts\` (what \`npm run build\` does for dist/) and the bench's fixture \`bench/service-process.ts\` transpiled the same way, once per bench run, started with plain \`node bench/service-process.js\` (no tsx loader, no flags), as the Docker image starts \`node dist/main.js\`; RSS is its peak resident set (VmRSS) sampled every 100 ms over all runs. Raw: a Worker (concurrency ${WAVE}) sleeping ${HANDLER_MS} ms in a separate process built and started the same way (\`node bench/raw-process.js\`), its peak RSS sampled the same way.`,
    ],
  };
}
