// Schedule precision of the embedded bullmq driver: a 1-second cron ("*/1 * * * * *") through the real path
// (job scheduler → scheduler queue → fan-out worker), lateness = when the fan-out starts minus its due time.
// Run: npx tsx bench/schedule-precision.ts   (BENCH_SECONDS=45, REDIS_URL or local Redis, DATABASE_URL or PGlite)
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedSchedules, updateSchedule } from "../db/queries/schedules.js";
import { catalog } from "../handlers/catalog.js";
import { EventBus } from "../src/events/bus.js";
import { Lifecycle } from "../src/lifecycle/lifecycle.js";
import { createLogger } from "../src/logger.js";
import { Queues } from "../src/queue/queues.js";
import { migrate, openNodePostgres, openPglite } from "../src/runtime/postgres.js";
import { blockingClient, commandClient, resolveRedis } from "../src/runtime/redis.js";
import { ScheduleControl } from "../src/scheduler/control.js";
import { FanOutWorker } from "../src/scheduler/fan-out.js";
import { defaultSchedules } from "../src/scheduler/targets.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 45);
const log = createLogger({ level: "warn" });
const dataDir = mkdtempSync(join(tmpdir(), "fw-bench-"));
const pg = process.env.DATABASE_URL
  ? await openNodePostgres(process.env.DATABASE_URL)
  : await openPglite(join(dataDir, "pglite"));
await migrate(pg);
const redisTarget = await resolveRedis({ url: process.env.REDIS_URL, dataDir, log });
const redis = commandClient(redisTarget.url);
const blocking = blockingClient(redisTarget.url);
await new Promise((ok) => (redis.status === "ready" ? ok(null) : redis.once("ready", ok)));
const prefix = `bench-${randomBytes(4).toString("hex")}`;

await seedSchedules(pg.db, defaultSchedules(catalog));
await updateSchedule(pg.db, "scrape", {
  cron: "*/1 * * * * *",
  timezone: "UTC",
  enabled: true,
  nextRunAt: null,
});
await updateSchedule(pg.db, "analytics-sync", {
  cron: "0 * * * *",
  timezone: "UTC",
  enabled: false,
  nextRunAt: null,
});

const lateness: number[] = [];
const queues = new Queues(redis, prefix, catalog);
const worker = new FanOutWorker({
  db: pg.db,
  lifecycle: new Lifecycle({ db: pg.db, redis, queues, events: new EventBus(redis, prefix), log }),
  catalog,
  log,
  maxAttempts: 4,
  connection: blocking,
  prefix,
  onFired: (f) => {
    if (f.latenessMs !== null) lateness.push(f.latenessMs);
  },
});
const control = new ScheduleControl({
  config: {
    SCHEDULER: "bullmq",
    QSTASH_URL: "https://qstash.upstash.io",
    QSTASH_TOKEN: undefined,
    PUBLIC_URL: undefined,
  },
  db: pg.db,
  catalog,
  redis,
  prefix,
  log,
});
await worker.start();
await control.reconcile();
console.error(`measuring a 1-second cron for ${seconds} s (${pg.kind})...`);
await new Promise((r) => setTimeout(r, seconds * 1000));
await control.queue.removeJobScheduler("schedule-scrape");
await worker.stop();
await control.queue.obliterate({ force: true }).catch(() => {});
await control.close();
await queues.close();

const sorted = [...lateness].sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const expected = seconds;
console.log(
  [
    "| driver | cron | runs (expected) | p50 lateness | p99 lateness | max | within 1 s |",
    "|---|---|---|---|---|---|---|",
    `| bullmq | \`*/1 * * * * *\` | ${sorted.length} (~${expected}) | ${q(50)} ms | ${q(99)} ms | ${sorted.at(-1)} ms | ${((sorted.filter((x) => x < 1000).length / Math.max(1, sorted.length)) * 100).toFixed(1)} % |`,
  ].join("\n"),
);
redis.disconnect();
blocking.disconnect();
await redisTarget.stop();
await pg.close();
rmSync(dataDir, { recursive: true, force: true });
