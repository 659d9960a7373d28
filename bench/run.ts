// `npm run bench`: the system beside raw BullMQ on this machine's Redis and Postgres, each figure the
// median of several runs after a warm-up. Prints a markdown table and writes bench/results.md (a partial
// run: bench/results.partial.md).
// Options: --only <scenario> (throughput, concurrency, ack, latency, cost, schedule, recovery, org-cap, scale,
// peer, ack-relay or 1..11, quota, outage), --quick (scaled-down sizes, for a check; the README's numbers come from a full
// run), --runs <n>.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openBenchEnv } from "./env.js";
import { loadAverage, machineFacts, otherNodeProcesses } from "./machine.js";
import { type Row, type ScenarioResult, table } from "./report.js";
import { ack } from "./scenarios/ack.js";
import { ackRelay } from "./scenarios/ack-relay.js";
import { concurrency } from "./scenarios/concurrency.js";
import type { ScenarioContext } from "./scenarios/context.js";
import { cost } from "./scenarios/cost.js";
import { flowScenarios } from "./scenarios/flow.js";
import { latency } from "./scenarios/latency.js";
import { orgCap } from "./scenarios/org-cap.js";
import { peer } from "./scenarios/peer.js";
import { recovery } from "./scenarios/recovery.js";
import { scale } from "./scenarios/scale.js";
import { schedule } from "./scenarios/schedule.js";
import { throughput } from "./scenarios/throughput.js";

type Scenario = (ctx: ScenarioContext) => Promise<ScenarioResult>;
const SCENARIOS: [string, Scenario][] = [
  ["throughput", throughput],
  ["concurrency", concurrency],
  ["ack", ack],
  ["latency", latency],
  ["cost", cost],
  ["schedule", schedule],
  ["recovery", recovery],
  ["org-cap", orgCap],
  ["scale", scale],
  ["peer", peer],
  ["ack-relay", ackRelay],
  ...flowScenarios,
];

function parseArgs(argv: string[]) {
  const out = { only: null as string | null, quick: false, runs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") out.quick = true;
    else if (a === "--only") out.only = argv[++i] ?? null;
    else if (a.startsWith("--only=")) out.only = a.slice(7);
    else if (a === "--runs") out.runs = Math.max(1, Number(argv[++i]));
    else if (a === "--help" || a === "-h") {
      console.log("npm run bench -- [--only <scenario|1..11>] [--quick] [--runs <n>]");
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return out;
}

function selected(only: string | null): [string, Scenario][] {
  if (!only) return SCENARIOS;
  const byIndex = Number(only);
  const picked = SCENARIOS.filter(([name], i) => name === only || i + 1 === byIndex);
  if (!picked.length)
    throw new Error(`unknown scenario ${only}; one of ${SCENARIOS.map(([n]) => n).join(", ")}`);
  return picked;
}

const args = parseArgs(process.argv.slice(2));
const log = (m: string) => console.error(m);
const started = new Date();
const loadBefore = loadAverage();
const othersBefore = otherNodeProcesses();
const env = await openBenchEnv(log);
const facts = machineFacts(env.redisVersion, env.postgresVersion);
log(
  `bench: ${facts.cpus} × ${facts.cpuModel}, Node ${facts.node}, Redis ${facts.redis}, Postgres ${facts.postgres}`,
);
const rows: Row[] = [];
const sections: string[] = [];
const failures: string[] = [];
try {
  for (const [name, scenario] of selected(args.only)) {
    log(`\n== ${name}${args.quick ? " (quick)" : ""}`);
    const t0 = Date.now();
    try {
      const res = await scenario({ env, quick: args.quick, runs: args.runs, log });
      rows.push(...res.rows);
      sections.push(...res.sections);
    } catch (err) {
      const msg = `${name} failed: ${(err as Error).stack ?? err}`;
      failures.push(msg);
      log(msg);
    }
    log(`   (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
} finally {
  await env.close();
}

const loadAfter = loadAverage();
const othersAfter = otherNodeProcesses();
const shared = othersBefore > 0 || othersAfter > 0 || Number(loadBefore.split(" ")[0]) > facts.cpus * 0.5;
const md = [
  `# Benchmarks: flywheel-workers beside raw BullMQ`,
  "",
  `Run ${started.toISOString()}${args.quick ? " with **--quick** (scaled-down sizes: not the README's figures)" : ""}${
    args.only ? `, only \`${args.only}\`` : ""
  }; each figure is the median of ${args.runs} run(s) after a warm-up, system and raw BullMQ measured in the same run.`,
  "",
  `Machine: ${facts.cpus} CPU × ${facts.cpuModel}, ${facts.memoryGb} GB RAM, ${facts.platform}; Node ${facts.node}; Redis ${facts.redis}; Postgres ${facts.postgres} (both local, 127.0.0.1).`,
  `Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAfter}; other Node processes before/after: ${othersBefore}/${othersAfter}.`,
  shared
    ? "**Measured on a shared machine**: other engineers' tests were running on the same 2 cores, so absolute figures are pessimistic and noisy; the system/raw ratios, measured side by side, are the meaningful part."
    : "",
  "",
  table(rows),
  "",
  ...sections.flatMap((s) => [s, ""]),
  failures.length
    ? `## Failures\n\n${failures.map((f) => `    ${f.split("\n").join("\n    ")}`).join("\n\n")}\n`
    : "",
].join("\n");
console.log(md);
// A partial run (--quick or --only) writes results.partial.md (not kept in git), so it never replaces the
// README's full run; BENCH_OUT writes elsewhere.
const partial = args.quick || args.only !== null;
writeFileSync(
  process.env.BENCH_OUT ??
    fileURLToPath(new URL(partial ? "./results.partial.md" : "./results.md", import.meta.url)),
  md,
);
process.exit(failures.length ? 1 : 0);
