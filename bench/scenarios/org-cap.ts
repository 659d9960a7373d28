// Scenario 8, org cap: one organization posts 3,000 `noop` jobs through POST /v1/jobs to an otherwise idle
// service (ROLE=all, in this process, defaults) — with the default soft ORG_MAX_ACTIVE 50, and with the cap
// off (ORG_MAX_ACTIVE=0). A work-conserving cap lets a lone organization use the whole relay: target ≥ 0.9×
// the uncapped throughput and ≤ 1.1× its Redis commands per job. ENQUEUE_RATE_LIMIT is off in both runs
// (its default, 600 a minute, would refuse most of a 3,000-job burst from one organization).

import { diffCounts, installRedisCounter, redisCounts, totalOf } from "../redis-counter.js";
import type { Row, ScenarioResult } from "../report.js";
import { median, waitUntil } from "../stats.js";
import { createTenants, liveJobs, pgClient, pool, startBenchService } from "../system.js";
import type { ScenarioContext } from "./context.js";

/** One organization's burst through POST /v1/jobs (this many requests in flight). */
export const IN_FLIGHT = 64;

/** POSTs `count` JSON bodies to `url` with `IN_FLIGHT` in flight; any answer but 202 throws. */
export async function postAll(
  url: string,
  headers: Record<string, string>,
  count: number,
  bodyOf: (i: number) => unknown,
): Promise<void> {
  await pool(count, IN_FLIGHT, async (i) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(bodyOf(i)),
    });
    if (res.status !== 202) throw new Error(`POST ${url} answered ${res.status}`);
    await res.arrayBuffer();
  });
}

export interface BurstRun {
  rate: number;
  /** Redis commands sent per job by every client in this process. */
  commands: number;
  /** CPU (user + system) of this process per job: the service and the requests' client. */
  cpuMs: number;
}

/**
 * Runs of one organization (× 10 users) posting `n` `noop` jobs through POST /v1/jobs to a ROLE=all service
 * in this process with `extra` settings (ENQUEUE_RATE_LIMIT is always off): jobs/s (first request → last
 * `finished_at`) and Redis commands per job, after a warm-up of n/10.
 */
export async function apiBurstRuns(
  ctx: ScenarioContext,
  n: number,
  label: string,
  extra: Record<string, string>,
): Promise<BurstRun[]> {
  const { env } = ctx;
  installRedisCounter();
  const service = await startBenchService(env, env.nextPrefix(label.replace(/\W+/g, "")), {
    ENQUEUE_RATE_LIMIT: "0",
    ...extra,
  });
  const client = await pgClient(env.databaseUrl);
  try {
    const [tenant] = await createTenants(service, 1, 10);
    const once = async (count: number) => {
      await env.resetJobs();
      const before = redisCounts();
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      await postAll(`${service.url}/v1/jobs`, { authorization: `Bearer ${tenant!.apiKey}` }, count, (i) => ({
        type: "noop",
        userId: tenant!.userIds[i % 10],
        payload: { seq: i },
      }));
      await waitUntil(async () => (await liveJobs(client)) === 0, "jobs to finish", 600_000, 100);
      const cpu = process.cpuUsage(cpu0);
      const r = await client.query("select max(finished_at) as last from jobs");
      const last = (r.rows[0] as { last: Date }).last;
      return {
        rate: count / ((last.getTime() - t0) / 1000),
        commands: totalOf(diffCounts(redisCounts(), before)) / count,
        cpuMs: (cpu.user + cpu.system) / 1000 / count,
      };
    };
    await once(Math.max(200, n / 10));
    const out = [];
    for (let i = 0; i < ctx.runs; i++) {
      out.push(await once(n));
      ctx.log(
        `  ${label} run ${i + 1}: ${out.at(-1)!.rate.toFixed(0)} jobs/s, ${out.at(-1)!.commands.toFixed(2)} Redis commands/job, ${out.at(-1)!.cpuMs.toFixed(2)} CPU ms/job`,
      );
    }
    return out;
  } finally {
    await client.end();
    await service.stop();
  }
}

export async function orgCap(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.quick ? 1_000 : 3_000;
  const uncapped = await apiBurstRuns(ctx, n, "ORG_MAX_ACTIVE=0", { ORG_MAX_ACTIVE: "0" });
  const capped = await apiBurstRuns(ctx, n, "ORG_MAX_ACTIVE=50", { ORG_MAX_ACTIVE: "50" });
  const rate = { system: median(capped.map((r) => r.rate)), raw: median(uncapped.map((r) => r.rate)) };
  const cmds = {
    system: median(capped.map((r) => r.commands)),
    raw: median(uncapped.map((r) => r.commands)),
  };
  const rows: Row[] = [
    {
      scenario: "8 org cap",
      metric: `one organization, ${n.toLocaleString("en-US")} jobs via POST /v1/jobs: default cap vs ORG_MAX_ACTIVE=0 (raw column)`,
      unit: "jobs/s",
      ...rate,
      compare: "ratio",
      target: "ratio ≥ 0.9",
      pass: rate.system / rate.raw >= 0.9,
    },
    {
      scenario: "8 org cap",
      metric: "Redis commands per job: default cap vs uncapped (raw column)",
      unit: "commands",
      ...cmds,
      compare: "ratio",
      target: "ratio ≤ 1.1",
      pass: cmds.system / cmds.raw <= 1.1,
    },
  ];
  return {
    rows,
    sections: [
      `**8 org cap.** One organization × 10 users posts ${n.toLocaleString("en-US")} \`noop\` jobs through \`POST /v1/jobs\` (${IN_FLIGHT} requests in flight) to a ROLE=all service in this process with its defaults (RELAY_CONCURRENCY 100, one slot pool, ENQUEUE_RATE_LIMIT off for the burst); jobs/s = N / (first request → last \`finished_at\`); Redis commands counted in this process (every client) per job. The "system" column has the default soft cap ORG_MAX_ACTIVE 50, the "raw" column the cap off: a lone organization should not pay for a cap no one else is waiting on.`,
    ],
  };
}
