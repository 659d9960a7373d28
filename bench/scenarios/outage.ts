// Scenario outage (issue 16): the quota scenario's service and OpenAI (real content-generation handler,
// defaults, RELAY_CONCURRENCY 100), warmed up by a few jobs so its quota class is known, then the provider
// answers 503 for OUTAGE_MS (the 10 minutes, shortened) while 300 jobs are posted at once; cool-downs
// and retry delays shortened alike. Figures: calls dispatched while the breaker was open vs its probes
// (target ≤), with the calls answered before it opened and those in flight when it opened; attempts spent
// (jobs with attempts > 1 and total attempts − jobs; target 0); user notifications (target 0); time from the
// recovery to the last completion vs the cool-down in force at the recovery (target ≤).
import type pg from "pg";
import { jobsOutcome, postContentJobs, startContentOpenAi, startContentService } from "../content-jobs.js";
import { fmt, type Row, type ScenarioResult } from "../report.js";
import { median, sleep, waitUntil } from "../stats.js";
import { ADMIN_TOKEN, createTenants, liveJobs, pgClient } from "../system.js";
import type { ScenarioContext } from "./context.js";

const OUTAGE_MS = 20_000;
const WARM_UP_JOBS = 10;
const SETTINGS = {
  BREAKER_COOLDOWN_MS: "2000",
  // The defaults' ratio (600 s / 30 s) kept.
  BREAKER_MAX_COOLDOWN_MS: "40000",
  // 60 s, 5 min, 15 min shortened 60×.
  RETRY_DELAYS_MS: "1000,5000,15000",
};
const PROBE_FAILED = "circuit breaker probe failed; open again";
const OPENED = "circuit breaker opened";
const CLOSED = "circuit breaker closed";

interface OutageRun {
  jobs: number;
  completed: number;
  /** Calls the provider answered 503, in all. */
  outageCalls: number;
  /** …answered before the breaker opened. */
  beforeOpen: number;
  /** Attempts dispatched before the opening and answered after it (in flight when it opened). */
  inFlightAtOpen: number;
  /** Attempts dispatched while the breaker was open (each makes one call). */
  dispatchedWhileOpen: number;
  /** Calls answered 503 after the breaker opened. */
  afterOpen: number;
  probes: number;
  retried: number;
  extraAttempts: number;
  userNotifications: number;
  recoveryToLastS: number;
  /** Of which: recovery → the probe's success closed the breaker. */
  recoveryToCloseS: number;
  cooldownAtRecoveryS: number;
}

interface BreakerView {
  dependency: string;
  state: string;
  cooldownMs: number;
  openedAt: string | null;
  nextProbeAt: string | null;
}

async function openaiBreaker(url: string): Promise<BreakerView | undefined> {
  const res = await fetch(`${url}/admin/breakers`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const { items } = (await res.json()) as { items: BreakerView[] };
  return items.find((b) => b.dependency === "openai");
}

async function runsAround(client: pg.Client, at: Date, until: Date) {
  const r = await client.query(
    `select count(*) filter (where started_at < $1 and finished_at >= $1)::int as in_flight,
            count(*) filter (where started_at >= $1 and started_at < $2)::int as while_open
       from job_runs`,
    [at, until],
  );
  return r.rows[0] as { in_flight: number; while_open: number };
}

async function once(ctx: ScenarioContext, jobs: number): Promise<OutageRun> {
  const { env } = ctx;
  const ai = await startContentOpenAi({
    limit: 100_000,
    tokenLimit: 1e9,
    windowMs: 60_000,
    headers: true,
  });
  const { service, watch } = await startContentService(env, env.nextPrefix("outage"), ai.baseUrl, SETTINGS, [
    PROBE_FAILED,
    OPENED,
    CLOSED,
  ]);
  const client = await pgClient(env.databaseUrl);
  try {
    const tenants = await createTenants(service, 10, 10);
    // A service that has been running: its OpenAI quota class is learned.
    await postContentJobs(service, tenants, WARM_UP_JOBS);
    await waitUntil(async () => (await liveJobs(client)) === 0, "the warm-up jobs", 60_000, 100);
    await env.resetJobs();
    ai.calls.length = 0;

    ai.down = true;
    const downAt = Date.now();
    await postContentJobs(service, tenants, jobs);
    let openedAt: number | null = null;
    while (Date.now() < downAt + OUTAGE_MS) {
      const b = await openaiBreaker(service.url);
      if (openedAt === null && b?.openedAt) openedAt = Date.parse(b.openedAt);
      await sleep(100);
    }
    const atRecovery = await openaiBreaker(service.url);
    const probesDuringOutage = watch.count(PROBE_FAILED);
    ai.down = false;
    const recoveredAt = Date.now();
    openedAt ??= atRecovery?.openedAt ? Date.parse(atRecovery.openedAt) : null;
    await waitUntil(async () => (await liveJobs(client)) === 0, "the jobs after the recovery", 600_000, 100);
    const out = await jobsOutcome(client);
    const failedCalls = ai.calls.filter((c) => c.status === 503);
    const opened = openedAt ?? recoveredAt;
    const around = await runsAround(client, new Date(opened), new Date(recoveredAt));
    const run: OutageRun = {
      jobs: out.jobs,
      completed: out.completed,
      outageCalls: failedCalls.length,
      beforeOpen: failedCalls.filter((c) => c.at <= opened).length,
      afterOpen: failedCalls.filter((c) => c.at > opened).length,
      inFlightAtOpen: around.in_flight,
      dispatchedWhileOpen: around.while_open,
      probes: probesDuringOutage,
      retried: out.retried,
      extraAttempts: out.attempts - out.jobs,
      userNotifications: out.userNotifications,
      recoveryToLastS: ((out.lastFinished?.getTime() ?? Date.now()) - recoveredAt) / 1000,
      recoveryToCloseS: ((watch.seen.find((s) => s.msg === CLOSED)?.at ?? Number.NaN) - recoveredAt) / 1000,
      cooldownAtRecoveryS: (atRecovery?.cooldownMs ?? 0) / 1000,
    };
    ctx.log(
      `  ${run.completed}/${run.jobs} completed; ${run.outageCalls} calls answered 503 (${run.beforeOpen} before the opening, ${run.afterOpen} after; ${run.inFlightAtOpen} attempts in flight at the opening, ${run.dispatchedWhileOpen} dispatched while open), ${run.probes} failed probes; ${run.retried} jobs retried, ${run.extraAttempts} extra attempts; ${run.userNotifications} user notifications; last completion ${run.recoveryToLastS.toFixed(1)} s after the recovery (closed after ${run.recoveryToCloseS.toFixed(1)} s; cool-down then ${run.cooldownAtRecoveryS} s; breaker ${atRecovery?.state}, next probe ${atRecovery?.nextProbeAt})`,
    );
    return run;
  } finally {
    await client.end();
    await service.stop();
    await ai.close();
  }
}

export async function outage(ctx: ScenarioContext): Promise<ScenarioResult> {
  const jobs = ctx.quick ? 100 : 300;
  const runs: OutageRun[] = [];
  for (let i = 0; i < (ctx.quick ? 1 : ctx.runs); i++) runs.push(await once(ctx, jobs));
  const m = (f: (r: OutageRun) => number) => median(runs.map(f));
  const label = `${jobs} content jobs, ${OUTAGE_MS / 1000} s of 503`;
  const rows: Row[] = [
    {
      scenario: "outage",
      metric: `${label}: calls dispatched while the breaker was open (raw column: its failed probes)`,
      unit: "calls",
      system: m((r) => r.dispatchedWhileOpen),
      raw: m((r) => r.probes),
      target: "≤ probes",
      pass: runs.every((r) => r.dispatchedWhileOpen <= r.probes),
    },
    {
      scenario: "outage",
      metric: `${label}: jobs with more than one attempt (raw column: attempts − jobs)`,
      unit: "jobs",
      system: m((r) => r.retried),
      raw: m((r) => r.extraAttempts),
      target: "0",
      pass: runs.every((r) => r.retried === 0 && r.extraAttempts === 0),
    },
    {
      scenario: "outage",
      metric: `${label}: user notifications`,
      unit: "",
      system: m((r) => r.userNotifications),
      raw: null,
      target: "0",
      pass: runs.every((r) => r.userNotifications === 0),
    },
    {
      scenario: "outage",
      metric: `${label}: recovery → last job completed (raw column: the cool-down in force at the recovery)`,
      unit: "s",
      system: m((r) => r.recoveryToLastS),
      raw: m((r) => r.cooldownAtRecoveryS),
      target: "≤ one cool-down",
      pass: runs.every((r) => r.completed === r.jobs && r.recoveryToLastS <= r.cooldownAtRecoveryS),
    },
    {
      scenario: "outage",
      metric: `${label}: of which recovery → the probe closed the breaker (raw column: the rest, closed → last completed)`,
      unit: "s",
      system: m((r) => r.recoveryToCloseS),
      raw: m((r) => r.recoveryToLastS - r.recoveryToCloseS),
    },
  ];
  const detail = (r: OutageRun) =>
    `${r.outageCalls} calls answered 503 (${r.beforeOpen} before the breaker opened, ${r.afterOpen} after it; ${r.inFlightAtOpen} attempts in flight at the opening, ${r.dispatchedWhileOpen} dispatched while open, ${r.probes} failed probes), ${r.retried} jobs with attempts > 1 (${r.extraAttempts} extra attempts), ${r.userNotifications} user notifications, ${r.completed}/${r.jobs} completed, the last ${fmt(r.recoveryToLastS, 1)} s after the recovery (the probe closed the breaker ${fmt(r.recoveryToCloseS, 1)} s after it, the cool-down in force then ${fmt(r.cooldownAtRecoveryS, 0)} s)`;
  return {
    rows,
    sections: [
      `**outage.** The quota scenario's service (the real \`content-generation\` handler, defaults, RELAY_CONCURRENCY 100) and OpenAI-compatible server (no limit binding here), warmed up by ${WARM_UP_JOBS} jobs so that its OpenAI quota class is learned; then the server answers every call 503 for **${OUTAGE_MS / 1000} s** (the issue's 10 minutes, shortened) while ${jobs} jobs from 10 organizations × 10 users are posted through \`POST /v1/jobs\`; BREAKER_COOLDOWN_MS ${SETTINGS.BREAKER_COOLDOWN_MS}, BREAKER_MAX_COOLDOWN_MS ${SETTINGS.BREAKER_MAX_COOLDOWN_MS} (the defaults' 20× ratio), RETRY_DELAYS_MS ${SETTINGS.RETRY_DELAYS_MS} (the defaults ÷ 60), BREAKER_FAILURES 5 and BREAKER_WINDOW_MS 60000 (defaults). Calls are counted at the server, attempts from \`job_runs\` (each attempt makes one call), failed probes from the relay's "${PROBE_FAILED}" log line, the opening and the cool-down in force at the recovery from \`GET /admin/breakers\`. Per run: ${runs.map(detail).join("; ")}.`,
    ],
  };
}
