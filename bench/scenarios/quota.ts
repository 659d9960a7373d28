// Scenario quota (issue 16): 500 `content-generation` jobs (the real handler, default payload: all four
// platforms, one AI call each) posted at once through POST /v1/jobs to a service with its defaults
// (ROLE=all in this process, RELAY_CONCURRENCY 100), its OPENAI_BASE_URL on the bench's OpenAI
// (openai-limited.ts) allowing 60 requests per 6 s (the 60 a minute, ten times shorter), refilling
// steadily, with real-shaped x-ratelimit-* headers. Figures: calls answered 429 as % of all calls (target
// ≤ 1 %), and the time from the first POST to the last finished_at against the quota-bound minimum — the
// first burst of N, then N per window: (calls − N) / (N / window) — (target ≤ 1.1×). The reference column:
// the same run with the provider stating no headers, so flow control has nothing to learn.
import { jobsOutcome, postContentJobs, startContentOpenAi, startContentService } from "../content-jobs.js";
import { fmt, type Row, type ScenarioResult } from "../report.js";
import { median, waitUntil } from "../stats.js";
import { createTenants, liveJobs, pgClient } from "../system.js";
import type { ScenarioContext } from "./context.js";

const LIMIT = 60;
const WINDOW_MS = 6_000;
/** Tokens per window: enough that the request limit binds (a call costs ~4,500: its prompt + max_tokens 4096). */
const TOKEN_LIMIT = 3_000_000;

interface QuotaRun {
  calls: number;
  rejected: number;
  ok: number;
  seconds: number;
  minSeconds: number;
  completed: number;
  attempts: number;
  /** First POST → the first call (the class's probe), → the second call (the burst begins). */
  firstCallS: number;
  secondCallS: number;
  /** The last successful call → the last finished_at. */
  tailS: number;
}

async function once(ctx: ScenarioContext, jobs: number, headers: boolean): Promise<QuotaRun> {
  const { env } = ctx;
  const ai = await startContentOpenAi({
    limit: LIMIT,
    tokenLimit: TOKEN_LIMIT,
    windowMs: WINDOW_MS,
    headers,
  });
  const { service } = await startContentService(
    env,
    env.nextPrefix(headers ? "quota" : "quota-blind"),
    ai.baseUrl,
    {},
  );
  const client = await pgClient(env.databaseUrl);
  try {
    await env.resetJobs();
    const tenants = await createTenants(service, 10, 10);
    const t0 = Date.now();
    await postContentJobs(service, tenants, jobs);
    await waitUntil(async () => (await liveJobs(client)) === 0, "the content jobs to finish", 900_000, 200);
    const out = await jobsOutcome(client);
    const ok = ai.calls.filter((c) => c.status === 200).length;
    const run: QuotaRun = {
      calls: ai.calls.length,
      rejected: ai.calls.filter((c) => c.status === 429).length,
      ok,
      seconds: ((out.lastFinished?.getTime() ?? Date.now()) - t0) / 1000,
      minSeconds: Math.max(0, ok - LIMIT) / (LIMIT / WINDOW_MS) / 1000,
      completed: out.completed,
      attempts: out.attempts,
      firstCallS: ((ai.calls[0]?.at ?? t0) - t0) / 1000,
      secondCallS: ((ai.calls[1]?.at ?? t0) - t0) / 1000,
      tailS:
        ((out.lastFinished?.getTime() ?? t0) - (ai.calls.filter((c) => c.status === 200).at(-1)?.at ?? t0)) /
        1000,
    };
    ctx.log(
      `  ${headers ? "headers" : "no headers"}: ${run.completed}/${jobs} completed in ${run.seconds.toFixed(1)} s (min ${run.minSeconds.toFixed(1)} s), ${run.calls} calls, ${run.rejected} answered 429, ${run.attempts} attempts`,
    );
    return run;
  } finally {
    await client.end();
    await service.stop();
    await ai.close();
  }
}

const pct = (r: QuotaRun) => (100 * r.rejected) / Math.max(1, r.calls);
const ratio = (r: QuotaRun) => r.seconds / r.minSeconds;

export async function quota(ctx: ScenarioContext): Promise<ScenarioResult> {
  const jobs = ctx.quick ? 200 : 500;
  const runs: QuotaRun[] = [];
  for (let i = 0; i < (ctx.quick ? 1 : ctx.runs); i++) runs.push(await once(ctx, jobs, true));
  const blind = await once(ctx, jobs, false);
  const system = { pct: median(runs.map(pct)), ratio: median(runs.map(ratio)) };
  const label = `${jobs} content jobs, ${LIMIT} requests / ${WINDOW_MS / 1000} s`;
  const rows: Row[] = [
    {
      scenario: "quota",
      metric: `${label}: calls answered 429 (raw column: provider sends no x-ratelimit headers)`,
      unit: "%",
      system: system.pct,
      raw: pct(blind),
      target: "≤ 1 %",
      pass: system.pct <= 1,
    },
    {
      scenario: "quota",
      metric: `${label}: time to finish all ÷ quota-bound minimum (raw column: no headers)`,
      unit: "×",
      system: system.ratio,
      raw: ratio(blind),
      target: "≤ 1.1×",
      pass: system.ratio <= 1.1,
    },
  ];
  const detail = (r: QuotaRun) =>
    `${fmt(r.seconds, 1)} s vs ${fmt(r.minSeconds, 1)} s minimum, ${r.calls} calls (${r.rejected} answered 429), ${r.attempts} attempts, ${r.completed}/${jobs} completed (first call after ${fmt(r.firstCallS, 1)} s, the second after ${fmt(r.secondCallS, 1)} s, last call → last finished ${fmt(r.tailS, 1)} s)`;
  return {
    rows,
    sections: [
      `**quota.** ${jobs} \`content-generation\` jobs (the real handler: one streamed chat completion each, default payload with all four platforms) from 10 organizations × 10 users, posted through \`POST /v1/jobs\` (64 requests in flight) to a ROLE=all service in this process with its defaults (RELAY_CONCURRENCY 100, BREAKER_* and retries at their defaults), OPENAI_BASE_URL on a local OpenAI-compatible server (\`bench/openai-limited.ts\`) that allows **${LIMIT} requests per ${WINDOW_MS / 1000} s** (the issue's 60 per minute with the window ten times shorter) and ${(TOKEN_LIMIT / 1e6).toFixed(0)} M tokens per window, both refilling steadily as OpenAI's do, and states them in x-ratelimit-{limit,remaining,reset}-{requests,tokens} headers on every answer (429 \`rate_limit_exceeded\` when spent). Minimum = (successful calls − ${LIMIT}) / (${LIMIT} per ${WINDOW_MS / 1000} s): the first burst, then the refill rate. Time: first POST → last \`finished_at\`. Each run starts a fresh service and server (nothing learned). With headers (median of ${runs.length}): ${runs.map(detail).join("; ")}. Without headers (one run; each 429 then waits the handler's default 20 s): ${detail(blind)}.`,
    ],
  };
}
