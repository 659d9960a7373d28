// Scenario 10, the hand-wired peer (bench/peer.ts): the same 3,000 `noop` jobs of one organization through
// each system's HTTP API, 64 requests in flight, each system in this process with its API, worker and
// handler. jobs/s = N / (first request → last finished_at). The system runs with its defaults (one slot pool
// of 100, the soft ORG_MAX_ACTIVE 50, fair priorities, batching) except ENQUEUE_RATE_LIMIT, which is off
// as in scenario 8. Target: the system ≥ 1.5 × the peer.
import { startPeer } from "../peer.js";
import { diffCounts, installRedisCounter, redisCounts, totalOf } from "../redis-counter.js";
import type { Row, ScenarioResult } from "../report.js";
import { median, waitUntil } from "../stats.js";
import { pgClient, SIGNING } from "../system.js";
import type { ScenarioContext } from "./context.js";
import { apiBurstRuns, type BurstRun, IN_FLIGHT, postAll } from "./org-cap.js";

const TOKEN = "peer-bench-token";

async function peerRuns(ctx: ScenarioContext, n: number): Promise<BurstRun[]> {
  installRedisCounter();
  const { env } = ctx;
  const peer = await startPeer({
    redisUrl: env.redisUrl,
    databaseUrl: env.databaseUrl,
    prefix: env.nextPrefix("peer"),
    token: TOKEN,
    signingKey: SIGNING.current,
  });
  const client = await pgClient(env.databaseUrl);
  try {
    const once = async (count: number) => {
      await client.query(`truncate ${peer.table}`);
      const before = redisCounts();
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      await postAll(`${peer.url}/jobs`, { authorization: `Bearer ${TOKEN}` }, count, (i) => ({
        type: "noop",
        payload: { seq: i },
      }));
      const done = async () => {
        const r = await client.query(
          `select count(*) filter (where status = 'completed')::int as done, max(finished_at) as last from ${peer.table}`,
        );
        return r.rows[0] as { done: number; last: Date };
      };
      await waitUntil(async () => (await done()).done === count, "peer jobs to finish", 600_000, 100);
      const cpu = process.cpuUsage(cpu0);
      return {
        rate: count / (((await done()).last.getTime() - t0) / 1000),
        commands: totalOf(diffCounts(redisCounts(), before)) / count,
        cpuMs: (cpu.user + cpu.system) / 1000 / count,
      };
    };
    await once(Math.max(200, n / 10));
    const out: BurstRun[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      const r = await once(n);
      out.push(r);
      ctx.log(
        `  peer run ${i + 1}: ${r.rate.toFixed(0)} jobs/s, ${r.commands.toFixed(2)} Redis commands/job, ${r.cpuMs.toFixed(2)} CPU ms/job`,
      );
    }
    return out;
  } finally {
    await client.query(`drop table if exists ${peer.table}`).catch(() => {});
    await client.end();
    await peer.stop();
  }
}

export async function peer(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.quick ? 1_000 : 3_000;
  const peerRs = await peerRuns(ctx, n);
  const system = await apiBurstRuns(ctx, n, "defaults", {});
  const m = (rs: BurstRun[], k: keyof BurstRun) => median(rs.map((r) => r[k]));
  const rate = { system: m(system, "rate"), raw: m(peerRs, "rate") };
  const rows: Row[] = [
    {
      scenario: "10 hand-wired peer",
      metric: `one organization, ${n.toLocaleString("en-US")} jobs via each HTTP API: system (defaults) vs the hand-wired peer (raw column)`,
      unit: "jobs/s",
      ...rate,
      compare: "ratio",
      target: "ratio ≥ 1.5",
      pass: rate.system / rate.raw >= 1.5,
    },
    {
      scenario: "10 hand-wired peer",
      metric: "CPU time per job of the one process (service and client; Redis and Postgres not included)",
      unit: "ms",
      system: m(system, "cpuMs"),
      raw: m(peerRs, "cpuMs"),
      compare: "ratio",
    },
    {
      scenario: "10 hand-wired peer",
      metric: "Redis commands per job",
      unit: "commands",
      system: m(system, "commands"),
      raw: m(peerRs, "commands"),
      compare: "ratio",
    },
  ];
  return {
    rows,
    sections: [
      `**10 hand-wired peer.** The peer (\`bench/peer.ts\`) is what a team would wire by hand: Hono on @hono/node-server answering \`POST /jobs\` (bearer token, JSON, one Postgres insert, \`queue.add\`, 202), a BullMQ Worker at concurrency 100 (Postgres 'active' update, a QStash-style JWT signed with jose, an undici \`request()\` POST, Postgres 'completed' update; one statement per step, no batching) and a handler route verifying the signature with @upstash/qstash's \`Receiver\` (no replay check) in the same process, on the same Redis, Postgres (pool of 20, as the system's) and job options (\`removeOnComplete\`/\`removeOnFail\`). Both get the same ${n.toLocaleString("en-US")} \`noop\` jobs through their HTTP API from this process, ${IN_FLIGHT} requests in flight; jobs/s = N / (first request → last \`finished_at\`), median of the runs after a warm-up of ${Math.max(200, n / 10)}. The system is scenario 8's ROLE=all service in this process with its defaults (RELAY_CONCURRENCY 100, soft ORG_MAX_ACTIVE 50), ENQUEUE_RATE_LIMIT off for the burst; it does more per job than the peer (API-key authentication, the enqueue admission script, fair priority, a run row per attempt, the signature's replay check).`,
    ],
  };
}
