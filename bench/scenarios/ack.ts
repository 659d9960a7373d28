// Scenario 3, acknowledgement: `POST /v1/jobs` at a steady 500 requests/s (open loop: one request every
// 2 ms over 50 keep-alive connections, each timed from its scheduled start) against the API in its own
// process (ROLE=api, ENQUEUE_RATE_LIMIT=0, no relay: jobs accumulate in the queue), vs raw `queue.add` at
// the same steady rate from this process. Latency p50/p99/max and errors (anything but 202). autocannon
// at the same overall rate is reported beside it: its rate limit lets each connection send its share of
// the second at once, so it measures bursts of 500 requests at concurrency 50, not a steady rate.
import autocannon from "autocannon";
import { Pool } from "undici";
import { createOrg } from "../../db/queries/orgs.js";
import { openNodePostgres } from "../../src/runtime/postgres.js";
import { spawnFixture } from "../child.js";
import { RawBullmq } from "../raw.js";
import type { Row, ScenarioResult } from "../report.js";
import { median, percentile, sleep } from "../stats.js";
import { serviceEnv } from "../system.js";
import type { ScenarioContext } from "./context.js";

const RATE = 500;
const CONNECTIONS = 50;

export interface Ack {
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

/** Calls `send` `rate` times a second for `duration` s, open loop (a late call does not delay the next). */
export async function openLoop(
  duration: number,
  send: () => Promise<boolean>,
  rate: number = RATE,
): Promise<Ack> {
  const samples: number[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const total = duration * rate;
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (sent < due) {
      // Timed from its slot in the schedule, so time spent waiting behind this loop counts too.
      const t0 = start + (sent * 1000) / rate;
      sent++;
      pending.push(
        send().then(
          (ok) => {
            if (ok) samples.push(performance.now() - t0);
            else errors++;
          },
          () => {
            errors++;
          },
        ),
      );
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: Math.max(...samples), errors };
}

interface SystemAck {
  steady: Ack;
  autocannon: Ack;
}

async function systemRuns(ctx: ScenarioContext, seconds: number): Promise<SystemAck[]> {
  const child = await spawnFixture(
    "service-process.ts",
    serviceEnv(ctx.env, ctx.env.nextPrefix("ack"), { ROLE: "api", ENQUEUE_RATE_LIMIT: "0" }),
  );
  const pgx = await openNodePostgres(ctx.env.databaseUrl, { max: 1 });
  try {
    const { apiKey } = await createOrg(pgx.db, "bench-ack");
    const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
    const body = JSON.stringify({ type: "noop", userId: "user-1", payload: { seq: 1 } });
    const pool = new Pool(child.url, {
      connections: CONNECTIONS,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const steady = (duration: number) =>
      openLoop(duration, async () => {
        const res = await pool.request({ path: "/v1/jobs", method: "POST", headers, body });
        await res.body.dump();
        return res.statusCode === 202;
      });
    const burst = (duration: number) =>
      autocannon({
        url: `${child.url}/v1/jobs`,
        method: "POST",
        connections: CONNECTIONS,
        overallRate: RATE,
        duration,
        timeout: 10,
        headers,
        body,
      }).then((r) => ({
        p50: r.latency.p50,
        p99: r.latency.p99,
        max: r.latency.max,
        errors: r.errors + r.timeouts + r.non2xx,
      }));
    ctx.log(`  system warm-up (3 s at ${RATE} req/s)`);
    await steady(3);
    const runs: SystemAck[] = [];
    try {
      for (let i = 0; i < ctx.runs; i++) {
        await ctx.env.resetJobs();
        const s = await steady(seconds);
        await ctx.env.resetJobs();
        const a = await burst(seconds);
        runs.push({ steady: s, autocannon: a });
        ctx.log(
          `  system run ${i + 1}: steady p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(1)} ms, errors ${s.errors}; autocannon p50 ${a.p50} ms, p99 ${a.p99} ms, errors ${a.errors}`,
        );
      }
    } finally {
      await pool.close();
    }
    return runs;
  } finally {
    await ctx.env.resetJobs().catch(() => {}); // no relay ran: the accepted jobs are still queued
    await pgx.close();
    await child.stop();
  }
}

/** queue.add at `RATE` per second for `seconds`, open loop (a late add does not delay the next ones). */
async function rawRuns(ctx: ScenarioContext, seconds: number): Promise<Ack[]> {
  const raw = await RawBullmq.open(ctx.env.redisUrl, ctx.env.nextPrefix("raw-ack"));
  const fire = (duration: number) =>
    openLoop(duration, async () => {
      await raw.add();
      return true;
    });
  try {
    await fire(3);
    const runs: Ack[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      runs.push(await fire(seconds));
      const r = runs.at(-1)!;
      ctx.log(
        `  raw run ${i + 1}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms, errors ${r.errors}`,
      );
    }
    return runs;
  } finally {
    await raw.queue.obliterate({ force: true }).catch(() => {});
    await raw.close();
  }
}

export async function ack(ctx: ScenarioContext): Promise<ScenarioResult> {
  const seconds = ctx.quick ? 5 : 20;
  const raw = await rawRuns(ctx, seconds);
  const system = await systemRuns(ctx, seconds);
  const m = (runs: Ack[], k: keyof Ack) => median(runs.map((r) => r[k]));
  const steady = system.map((r) => r.steady);
  const bursts = system.map((r) => r.autocannon);
  const label = `POST /v1/jobs at a steady ${RATE} req/s for ${seconds} s`;
  const p99 = m(steady, "p99");
  const errors = m(steady, "errors") + m(bursts, "errors");
  const rows: Row[] = [
    {
      scenario: "3 acknowledgement",
      metric: `${label}, p50`,
      unit: "ms",
      system: m(steady, "p50"),
      raw: m(raw, "p50"),
      compare: "ratio",
    },
    {
      scenario: "3 acknowledgement",
      metric: `${label}, p99`,
      unit: "ms",
      system: p99,
      raw: m(raw, "p99"),
      compare: "ratio",
      target: "≤ 20 ms",
      pass: p99 <= 20,
    },
    {
      scenario: "3 acknowledgement",
      metric: `${label}, max`,
      unit: "ms",
      system: m(steady, "max"),
      raw: m(raw, "max"),
      compare: "ratio",
    },
    {
      scenario: "3 acknowledgement",
      metric: `autocannon, overall rate ${RATE} req/s (per-second bursts, concurrency ${CONNECTIONS}), p50`,
      unit: "ms",
      system: m(bursts, "p50"),
      raw: null,
    },
    {
      scenario: "3 acknowledgement",
      metric: `autocannon, overall rate ${RATE} req/s (per-second bursts, concurrency ${CONNECTIONS}), p99`,
      unit: "ms",
      system: m(bursts, "p99"),
      raw: null,
    },
    {
      scenario: "3 acknowledgement",
      metric: "errors (steady and autocannon runs)",
      unit: "",
      system: errors,
      raw: m(raw, "errors"),
      target: "0",
      pass: errors === 0,
    },
  ];
  return {
    rows,
    sections: [
      `**3 acknowledgement.** A steady ${RATE} req/s: this process schedules one \`POST /v1/jobs\` every ${1000 / RATE} ms (open loop) over ${CONNECTIONS} keep-alive connections (undici Pool), each timed from its slot in the schedule to the answer, so queueing anywhere counts. autocannon with ${CONNECTIONS} connections and overallRate ${RATE} runs after it on the same service: its rate limit lets each connection send its 1/${CONNECTIONS} of the second back to back at the start of every second, so it measures bursts of ${RATE} requests at concurrency ${CONNECTIONS} (reported, no target). Both against the API alone in a child process (ROLE=api, ENQUEUE_RATE_LIMIT=0: no relay runs, the jobs wait in the queue) running the production build (\`.ci/build.ts\`, plus \`bench/service-process.ts\` transpiled the same way) with plain \`node bench/service-process.js\`, no tsx loader; each request authenticates its API key (cached 5 s), inserts the row, computes the fair priority and adds the BullMQ job before answering 202. An error is any answer but 202, a socket error or a timeout. Raw: \`queue.add\` from this process (the bench itself, run with tsx) at the same rate, open loop (each add starts on schedule whether or not earlier ones returned), same job options; its latency has no HTTP in it.`,
    ],
  };
}
