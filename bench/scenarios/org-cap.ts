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

const IN_FLIGHT = 64;

async function runs(
  ctx: ScenarioContext,
  n: number,
  cap: string,
): Promise<{ rate: number; commands: number }[]> {
  const { env } = ctx;
  const service = await startBenchService(env, env.nextPrefix(`cap${cap}`), {
    ORG_MAX_ACTIVE: cap,
    ENQUEUE_RATE_LIMIT: "0",
  });
  const client = await pgClient(env.databaseUrl);
  try {
    const [tenant] = await createTenants(service, 1, 10);
    const once = async (count: number) => {
      await env.resetJobs();
      const before = redisCounts();
      const t0 = Date.now();
      await pool(count, IN_FLIGHT, async (i) => {
        const res = await fetch(`${service.url}/v1/jobs`, {
          method: "POST",
          headers: { authorization: `Bearer ${tenant!.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ type: "noop", userId: tenant!.userIds[i % 10], payload: { seq: i } }),
        });
        if (res.status !== 202) throw new Error(`POST /v1/jobs answered ${res.status}`);
        await res.arrayBuffer();
      });
      await waitUntil(async () => (await liveJobs(client)) === 0, "jobs to finish", 600_000, 100);
      const r = await client.query("select max(finished_at) as last from jobs");
      const last = (r.rows[0] as { last: Date }).last;
      return {
        rate: count / ((last.getTime() - t0) / 1000),
        commands: totalOf(diffCounts(redisCounts(), before)) / count,
      };
    };
    await once(Math.max(200, n / 10));
    const out = [];
    for (let i = 0; i < ctx.runs; i++) {
      out.push(await once(n));
      ctx.log(
        `  ORG_MAX_ACTIVE=${cap} run ${i + 1}: ${out.at(-1)!.rate.toFixed(0)} jobs/s, ${out.at(-1)!.commands.toFixed(2)} Redis commands/job`,
      );
    }
    return out;
  } finally {
    await client.end();
    await service.stop();
  }
}

export async function orgCap(ctx: ScenarioContext): Promise<ScenarioResult> {
  installRedisCounter();
  const n = ctx.quick ? 1_000 : 3_000;
  const uncapped = await runs(ctx, n, "0");
  const capped = await runs(ctx, n, "50");
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
