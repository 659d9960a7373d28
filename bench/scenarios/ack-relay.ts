// Scenario 11, acknowledgement while relaying: `POST /v1/jobs` at a steady 300 requests/s (scenario 3's
// open loop) against one ROLE=all process that also relays every accepted job to its handlers (defaults,
// ENQUEUE_RATE_LIMIT off), in a child process running the production build. The raw column: the same load
// against the API alone (ROLE=api, nothing relayed), so the difference is what relaying costs the API.
import { Pool } from "undici";
import { createOrg } from "../../db/queries/orgs.js";
import { openNodePostgres } from "../../src/runtime/postgres.js";
import { spawnFixture } from "../child.js";
import type { Row, ScenarioResult } from "../report.js";
import { median, waitUntil } from "../stats.js";
import { liveJobs, pgClient, serviceEnv } from "../system.js";
import { type Ack, openLoop } from "./ack.js";
import type { ScenarioContext } from "./context.js";

const RATE = 300;
const CONNECTIONS = 50;

interface Run extends Ack {
  /** Jobs still queued or active when the load stopped (ROLE=all: how far the relay fell behind). */
  backlog: number;
  /** CPU (user + system) of the service process per accepted job, relaying included for ROLE=all. */
  cpuMs: number;
}

async function runs(ctx: ScenarioContext, role: "all" | "api", seconds: number): Promise<Run[]> {
  const child = await spawnFixture(
    "service-process.ts",
    serviceEnv(ctx.env, ctx.env.nextPrefix(`ack-${role}`), { ROLE: role, ENQUEUE_RATE_LIMIT: "0" }),
  );
  const pgx = await openNodePostgres(ctx.env.databaseUrl, { max: 1 });
  const client = await pgClient(ctx.env.databaseUrl);
  const http = new Pool(child.url, { connections: CONNECTIONS, headersTimeout: 10_000, bodyTimeout: 10_000 });
  try {
    const { apiKey } = await createOrg(pgx.db, `bench-ack-${role}`);
    const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
    let seq = 0;
    const steady = (duration: number) =>
      openLoop(
        duration,
        async () => {
          const body = JSON.stringify({ type: "noop", userId: `user-${seq % 10}`, payload: { seq: seq++ } });
          const res = await http.request({ path: "/v1/jobs", method: "POST", headers, body });
          await res.body.dump();
          return res.statusCode === 202;
        },
        RATE,
      );
    const drained = async () => {
      if (role === "all")
        await waitUntil(async () => (await liveJobs(client)) === 0, "the relay", 120_000, 100);
    };
    ctx.log(`  ROLE=${role} warm-up (3 s at ${RATE} req/s)`);
    await steady(3);
    await drained();
    const out: Run[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      await ctx.env.resetJobs();
      const cpu0 = child.cpuMs();
      const a = await steady(seconds);
      const backlog = role === "all" ? await liveJobs(client) : 0;
      await drained();
      out.push({ ...a, backlog, cpuMs: (child.cpuMs() - cpu0) / (seconds * RATE) });
      ctx.log(
        `  ROLE=${role} run ${i + 1}: p50 ${a.p50.toFixed(2)} ms, p99 ${a.p99.toFixed(2)} ms, max ${a.max.toFixed(1)} ms, errors ${a.errors}, backlog at the end ${backlog}, ${out.at(-1)!.cpuMs.toFixed(2)} CPU ms/job`,
      );
    }
    return out;
  } finally {
    await http.close();
    await ctx.env.resetJobs().catch(() => {});
    await client.end();
    await pgx.close();
    await child.stop();
  }
}

export async function ackRelay(ctx: ScenarioContext): Promise<ScenarioResult> {
  const seconds = ctx.quick ? 5 : 20;
  const api = await runs(ctx, "api", seconds);
  const all = await runs(ctx, "all", seconds);
  const m = (rs: Run[], k: keyof Run) => median(rs.map((r) => r[k]));
  const s = "11 ack while relaying";
  const label = `POST /v1/jobs at a steady ${RATE} req/s for ${seconds} s, ROLE=all relaying (raw column: ROLE=api alone)`;
  const p99 = m(all, "p99");
  const errors = m(all, "errors");
  const rows: Row[] = [
    {
      scenario: s,
      metric: `${label}, p50`,
      unit: "ms",
      system: m(all, "p50"),
      raw: m(api, "p50"),
      compare: "ratio",
    },
    {
      scenario: s,
      metric: `${label}, p99`,
      unit: "ms",
      system: p99,
      raw: m(api, "p99"),
      compare: "ratio",
      target: "≤ 20 ms",
      pass: p99 <= 20,
    },
    {
      scenario: s,
      metric: `${label}, max`,
      unit: "ms",
      system: m(all, "max"),
      raw: m(api, "max"),
      compare: "ratio",
    },
    {
      scenario: s,
      metric: "errors (any answer but 202)",
      unit: "",
      system: errors,
      raw: m(api, "errors"),
      target: "0",
      pass: errors === 0,
    },
    {
      scenario: s,
      metric: "CPU time per job of the service process (ROLE=all: accept and relay; ROLE=api: accept)",
      unit: "ms",
      system: m(all, "cpuMs"),
      raw: m(api, "cpuMs"),
      compare: "ratio",
    },
    {
      scenario: s,
      metric: "jobs not yet finished when the load stops (the relay keeping up)",
      unit: "jobs",
      system: m(all, "backlog"),
      raw: null,
    },
  ];
  return {
    rows,
    sections: [
      `**11 acknowledgement while relaying.** Scenario 3's steady open loop (one request every ${(1000 / RATE).toFixed(2)} ms over ${CONNECTIONS} keep-alive connections, each timed from its slot in the schedule) at ${RATE} req/s for ${seconds} s, \`noop\` jobs of one organization × 10 users, against one child process (the production build, plain \`node\`) with ROLE=all and the defaults (RELAY_CONCURRENCY 100, ORG_MAX_ACTIVE 50) but ENQUEUE_RATE_LIMIT=0: the same event loop answers the API, relays every accepted job over signed HTTP to its own /handlers and verifies it there. Raw column: the same load against ROLE=api alone (nothing relayed; the jobs wait in the queue). The backlog row counts the jobs still queued or active when the last request was answered.`,
    ],
  };
}
