// Redis commands per hour that one idle relay process sends (what Upstash bills: commands clients send; a
// Lua script is one EVALSHA, the calls inside it are not billed). Starts a private redis-server, a fresh
// Postgres database and the service with ROLE=relay and the real catalog, started as production starts it:
// the build of `npm run build` (see build.ts) with plain `node main.js`; waits out the start, then counts
// `redis-cli MONITOR` lines for the window (lines run inside Lua excluded) and extrapolates.
// Run: npx tsx bench/idle-commands.ts [seconds=300] [role=relay]   Prints markdown; writes nothing.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { withDatabase } from "../test/helpers/global-setup.js";
import { findOrStartServices, startPrivateRedis } from "../test/helpers/services.js";
import { builtDir } from "./build.js";

const seconds = Number(process.argv[2] ?? 300);
const role = process.argv[3] ?? "relay";
/** Wait this long after "listening" before counting: start-up script loads and first polls are not idle. */
const WARMUP_MS = Number(process.env.IDLE_WARMUP_S ?? 40) * 1000;
const env: Record<string, string> = {
  DRAIN_DELAY_S: process.env.DRAIN_DELAY_S ?? "300",
  STALLED_INTERVAL_MS: process.env.STALLED_INTERVAL_MS ?? "15000",
  RECONCILE_INTERVAL_MS: process.env.RECONCILE_INTERVAL_MS ?? "60000",
  SCHEDULER: process.env.SCHEDULER ?? "bullmq",
};
// SCHEDULER=qstash: cron lives in QStash, so the scheduler queue holds no delayed job. The QStash API is
// pointed at a closed port: the driver's start-up sync fails (logged) and the relay runs on regardless.
if (env.SCHEDULER === "qstash")
  Object.assign(env, {
    QSTASH_URL: "http://127.0.0.1:9",
    QSTASH_TOKEN: "idle-bench",
    PUBLIC_URL: "http://127.0.0.1:9",
  });

const services = await findOrStartServices();
const redis = await startPrivateRedis();
const dbName = `fw_bench_idle_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: services.databaseUrl });
await admin.connect();
await admin.query(`create database ${dbName}`);

const child = spawn(process.execPath, [join(await builtDir(), "main.js")], {
  cwd: mkdtempSync(join(tmpdir(), "fw-idle-")),
  env: {
    PATH: process.env.PATH ?? "",
    ROLE: role,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "warn",
    DATABASE_URL: withDatabase(services.databaseUrl, dbName),
    REDIS_URL: redis.url,
    HANDLERS_URL: "http://127.0.0.1:9/handlers",
    QSTASH_CURRENT_SIGNING_KEY: "idle-bench-current",
    QSTASH_NEXT_SIGNING_KEY: "idle-bench-next",
    ...env,
  },
  stdio: ["ignore", "pipe", "ignore"],
});
await new Promise<void>((ok, ko) => {
  let out = "";
  child.stdout!.on("data", (b: Buffer) => {
    out += b.toString();
    if (out.includes("listening on")) ok();
  });
  child.once("exit", (code) => ko(new Error(`service exited with ${code}`)));
});
await new Promise((r) => setTimeout(r, WARMUP_MS)); // a benchmark window, not a test wait

const counts = new Map<string, number>();
const byQueue = new Map<string, number>();
let lua = 0;
const monitor = spawn("redis-cli", ["-p", String(redis.port), "MONITOR"], {
  stdio: ["ignore", "pipe", "inherit"],
});
let buf = "";
monitor.stdout!.on("data", (b: Buffer) => {
  buf += b.toString();
  const lines = buf.split("\n");
  buf = lines.pop() ?? "";
  for (const line of lines) {
    // 1700000000.123456 [0 127.0.0.1:50000] "evalsha" "<sha>" "2" "fw:scrape:wait" …  |  … [0 lua] "zadd" …
    const m = /^\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "lua") {
      lua++;
      continue;
    }
    const args = [...m[2]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((a) => a[1]!);
    const cmd = (args[0] ?? "?").toLowerCase();
    counts.set(cmd, (counts.get(cmd) ?? 0) + 1);
    // BullMQ keys are `fw:<queue>:<suffix>`: attribute the command to its queue (the worker that sent it).
    const queue = args.map((a) => /^fw:([^:]+):/.exec(a)?.[1]).find(Boolean) ?? "(no queue key)";
    byQueue.set(queue, (byQueue.get(queue) ?? 0) + 1);
  }
});
await new Promise((r) => setTimeout(r, seconds * 1000));
monitor.kill("SIGTERM");

const total = [...counts.values()].reduce((a, b) => a + b, 0);
const perHour = (n: number) => Math.round((n * 3600) / seconds);
console.log(
  `## Idle Redis commands, one ROLE=${role} process (${seconds} s window after ${WARMUP_MS / 1000} s warm-up)\n`,
);
console.log(
  `Settings: ${Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ")}; catalog types: real.\n`,
);
console.log("| command | in window | per hour |\n|---|---:|---:|");
for (const [cmd, n] of [...counts].sort((a, b) => b[1] - a[1]))
  console.log(`| ${cmd} | ${n} | ${perHour(n)} |`);
console.log(`| **total sent by clients** | **${total}** | **${perHour(total)}** |`);
console.log("\n| queue (worker) | in window | per hour |\n|---|---:|---:|");
for (const [q, n] of [...byQueue].sort((a, b) => b[1] - a[1])) console.log(`| ${q} | ${n} | ${perHour(n)} |`);
console.log(`\n(${lua} commands ran inside Lua scripts in the window: not billed, not counted.)`);
console.log(`≈ ${Math.round(perHour(total) * 24 * 30).toLocaleString("en")} commands per 30-day month.`);

await new Promise<void>((done) => {
  child.once("exit", () => done());
  child.kill("SIGTERM");
});
await redis.stop();
await admin.query(`drop database if exists ${dbName} with (force)`);
await admin.end();
await services.stop();
