// Scenario 10, the hand-wired peer (bench/peer.ts): the same 3,000 `noop` jobs of one organization through
// each system's HTTP API, each system alone in a child process (the production build, plain `node`) with
// its API, worker and handler; this process only sends the requests (undici Pool, 64 in flight).
// jobs/s = N / (first request → last finished_at); CPU per job of the child from /proc. The system runs with
// its defaults (ROLE=all, one slot pool of 100, the soft ORG_MAX_ACTIVE 50, fair priorities, batching)
// except ENQUEUE_RATE_LIMIT, which is off as in scenario 8. Target: the system ≥ 1.5 × the peer.
import { Pool } from "undici";
import { createOrg } from "../../db/queries/orgs.js";
import { openNodePostgres } from "../../src/runtime/postgres.js";
import { type BenchChild, spawnFixture } from "../child.js";
import type { Row, ScenarioResult } from "../report.js";
import { median, waitUntil } from "../stats.js";
import { liveJobs, pgClient, pool, SIGNING, serviceEnv } from "../system.js";
import type { ScenarioContext } from "./context.js";
import { IN_FLIGHT } from "./org-cap.js";

const TOKEN = "peer-bench-token";
const PEER_TABLE = "peer_jobs";

interface Burst {
  rate: number;
  /** CPU (user + system) of the child process per job. */
  cpuMs: number;
}

interface Target {
  child: BenchChild;
  path: string;
  headers: Record<string, string>;
  body(i: number): unknown;
  reset(): Promise<void>;
  /** Unfinished jobs (or null when all are done), and the last finish time. */
  lastFinish(count: number): Promise<Date | null>;
}

async function bursts(ctx: ScenarioContext, label: string, n: number, t: Target): Promise<Burst[]> {
  const http = new Pool(t.child.url, { connections: IN_FLIGHT, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const headers = { ...t.headers, "content-type": "application/json" };
  try {
    const once = async (count: number) => {
      await t.reset();
      const cpu0 = t.child.cpuMs();
      const t0 = Date.now();
      await pool(count, IN_FLIGHT, async (i) => {
        const res = await http.request({
          path: t.path,
          method: "POST",
          headers,
          body: JSON.stringify(t.body(i)),
        });
        await res.body.dump();
        if (res.statusCode !== 202) throw new Error(`${label}: POST ${t.path} answered ${res.statusCode}`);
      });
      let last: Date | null = null;
      await waitUntil(
        async () => {
          last = await t.lastFinish(count);
          return last !== null;
        },
        `${label} jobs to finish`,
        600_000,
        100,
      );
      return { rate: count / ((last!.getTime() - t0) / 1000), cpuMs: (t.child.cpuMs() - cpu0) / count };
    };
    await once(Math.max(200, n / 10));
    const out: Burst[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      out.push(await once(n));
      ctx.log(
        `  ${label} run ${i + 1}: ${out.at(-1)!.rate.toFixed(0)} jobs/s, ${out.at(-1)!.cpuMs.toFixed(2)} CPU ms/job in its process`,
      );
    }
    return out;
  } finally {
    await http.close();
    await t.child.stop();
  }
}

async function peerRuns(ctx: ScenarioContext, n: number): Promise<Burst[]> {
  const { env } = ctx;
  const child = await spawnFixture("peer-process.ts", {
    REDIS_URL: env.redisUrl,
    DATABASE_URL: env.databaseUrl,
    PEER_PREFIX: env.nextPrefix("peer"),
    PEER_TOKEN: TOKEN,
    PEER_SIGNING_KEY: SIGNING.current,
  });
  const client = await pgClient(env.databaseUrl);
  try {
    return await bursts(ctx, "peer", n, {
      child,
      path: "/jobs",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: (i) => ({ type: "noop", payload: { seq: i } }),
      reset: async () => {
        await client.query(`truncate ${PEER_TABLE}`);
      },
      async lastFinish(count) {
        const r = await client.query(
          `select count(*) filter (where status = 'completed')::int as done, max(finished_at) as last from ${PEER_TABLE}`,
        );
        const row = r.rows[0] as { done: number; last: Date };
        return row.done === count ? row.last : null;
      },
    });
  } finally {
    await client.query(`drop table if exists ${PEER_TABLE}`).catch(() => {});
    await client.end();
  }
}

async function systemRuns(ctx: ScenarioContext, n: number): Promise<Burst[]> {
  const { env } = ctx;
  const child = await spawnFixture(
    "service-process.ts",
    serviceEnv(env, env.nextPrefix("peer-sys"), { ROLE: "all", ENQUEUE_RATE_LIMIT: "0" }),
  );
  const pgx = await openNodePostgres(env.databaseUrl, { max: 1 });
  const client = await pgClient(env.databaseUrl);
  try {
    const { apiKey } = await createOrg(pgx.db, "bench-peer");
    return await bursts(ctx, "system", n, {
      child,
      path: "/v1/jobs",
      headers: { authorization: `Bearer ${apiKey}` },
      body: (i) => ({ type: "noop", userId: `user-${i % 10}`, payload: { seq: i } }),
      reset: () => env.resetJobs(),
      async lastFinish() {
        if ((await liveJobs(client)) > 0) return null;
        const r = await client.query("select max(finished_at) as last from jobs");
        return (r.rows[0] as { last: Date }).last;
      },
    });
  } finally {
    await client.end();
    await pgx.close();
  }
}

export async function peer(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.quick ? 1_000 : 3_000;
  const peerRs = await peerRuns(ctx, n);
  const system = await systemRuns(ctx, n);
  const m = (rs: Burst[], k: keyof Burst) => median(rs.map((r) => r[k]));
  const rate = { system: m(system, "rate"), raw: m(peerRs, "rate") };
  const s = "10 hand-wired peer";
  const rows: Row[] = [
    {
      scenario: s,
      metric: `one organization, ${n.toLocaleString("en-US")} jobs via each HTTP API: system (defaults) vs the hand-wired peer (raw column)`,
      unit: "jobs/s",
      ...rate,
      compare: "ratio",
      target: "ratio ≥ 1.5",
      pass: rate.system / rate.raw >= 1.5,
    },
    {
      scenario: s,
      metric: "CPU time per job of the system's (peer's) process; Redis and Postgres not included",
      unit: "ms",
      system: m(system, "cpuMs"),
      raw: m(peerRs, "cpuMs"),
      compare: "ratio",
    },
  ];
  return {
    rows,
    sections: [
      `**10 hand-wired peer.** The peer (\`bench/peer.ts\`, started by \`bench/peer-process.ts\`) is what a team would wire by hand: Hono on @hono/node-server answering \`POST /jobs\` (bearer token, JSON, one Postgres insert, \`queue.add\`, 202), a BullMQ Worker at concurrency 100 (Postgres 'active' update, a QStash-style JWT signed with jose, an undici \`request()\` POST, Postgres 'completed' update; one statement per step, no batching) and a handler route verifying the signature with @upstash/qstash's \`Receiver\` (no replay check), all in one process, on the same Redis, Postgres (a pool of 20, as the system's) and job options (\`removeOnComplete\`/\`removeOnFail\`). The system is one ROLE=all process with its defaults (RELAY_CONCURRENCY 100, soft ORG_MAX_ACTIVE 50) and ENQUEUE_RATE_LIMIT off for the burst; per job it does more than the peer (API-key authentication, the enqueue admission script, fair priority, a run row per attempt, the signature's replay check). Each runs alone in a child process (the production build, plain \`node\`); this process sends the same ${n.toLocaleString("en-US")} \`noop\` jobs of one organization through its HTTP API (undici Pool, ${IN_FLIGHT} requests in flight); jobs/s = N / (first request → last \`finished_at\`), median of the runs after a warm-up of ${Math.max(200, n / 10)}; CPU per job is the child's utime + stime over the run.`,
    ],
  };
}
