// The fan-out: one low-priority job per target of a scheduled type, in bulk, skipping (and counting) the
// targets whose previous job is still live, then recording last/next run on the schedule. Runs in a BullMQ
// Worker on the scheduler's own queue, whichever driver (job scheduler, QStash trigger, run-now) asked.
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { getSchedule, recordScheduleRun } from "../../db/queries/schedules.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import type { Lifecycle } from "../lifecycle/lifecycle.js";
import type { Logger } from "../logger.js";
import { type BulkResult, bulkEnqueue } from "./bulk-enqueue.js";
import { nextOccurrence } from "./cron.js";
import { type FanOutJobData, SCHEDULER_QUEUE } from "./scheduler-queue.js";

export interface FanOutDeps {
  db: Db;
  lifecycle: Lifecycle;
  catalog: Catalog;
  log: Logger;
  maxAttempts: number;
}

export interface FanOutResult {
  type: string;
  targets: number;
  enqueued: number;
  skipped: number;
  /** Set when nothing could run: the type has no targets provider or is not in the catalog. */
  unavailable?: string;
}

export async function runFanOut(deps: FanOutDeps, type: string, now = new Date()): Promise<FanOutResult> {
  const def = deps.catalog.get(type);
  const schedule = await getSchedule(deps.db, type);
  if (!def?.schedule || !schedule) {
    const unavailable = !def
      ? "job type not in the catalog"
      : !def.schedule
        ? "no targets for this type"
        : "no schedule row";
    deps.log.warn({ type, reason: unavailable }, "fan-out skipped");
    return { type, targets: 0, enqueued: 0, skipped: 0, unavailable };
  }
  const res: BulkResult = { enqueued: 0, skipped: 0, invalid: 0 };
  let targets = 0;
  for await (const page of def.schedule.targets({ db: deps.db }, now)) {
    targets += page.length;
    const done = await bulkEnqueue(deps, def, page, "low");
    res.enqueued += done.enqueued;
    res.skipped += done.skipped;
    res.invalid += done.invalid;
  }
  if (res.invalid) deps.log.warn({ type, invalid: res.invalid }, "fan-out targets with invalid payloads");
  const nextRunAt = schedule.enabled ? nextOccurrence(schedule.cron, schedule.timezone, new Date()) : null;
  await recordScheduleRun(deps.db, type, {
    at: now,
    nextRunAt,
    enqueued: res.enqueued,
    skipped: res.skipped,
  });
  deps.log.info({ type, targets, enqueued: res.enqueued, skipped: res.skipped }, "schedule fan-out");
  return { type, targets, enqueued: res.enqueued, skipped: res.skipped };
}

export interface FanOutWorkerOptions extends FanOutDeps {
  /** BullMQ needs maxRetriesPerRequest: null on this connection. */
  connection: Redis;
  prefix: string;
  /** Called after each fan-out with how late it started (ms after its due time; cron only). */
  onFired?: (info: FanOutResult & { reason: FanOutJobData["reason"]; latenessMs: number | null }) => void;
}

/** Runs fan-out jobs one at a time per instance; the dedup index keeps two instances from doubling work. */
export class FanOutWorker {
  private worker: Worker<FanOutJobData> | null = null;

  constructor(private readonly o: FanOutWorkerOptions) {}

  async start(): Promise<void> {
    this.worker = new Worker<FanOutJobData>(SCHEDULER_QUEUE, (job) => this.process(job), {
      connection: this.o.connection,
      prefix: this.o.prefix,
      concurrency: 1,
      // Idle Redis cost (Upstash bills per command): with SCHEDULER=qstash this queue holds no delayed job and
      // BullMQ's default 5 s wait cost 1,560 commands/h idle, 360 with 30 s, less with 300 s (bench/idle-commands.ts). A new job
      // still wakes the worker at once; with BullMQ job schedulers the next due run bounds the wait anyway.
      drainDelay: 300,
      // A fan-out is short and safe to run again; a lost one is taken over within 10 minutes, and checking
      // less often saves idle commands.
      stalledInterval: 600_000,
      autorun: true,
    });
    this.worker.on("error", (err) => this.o.log.warn({ err: err.message }, "scheduler worker error"));
    this.worker.on("failed", (job, err) =>
      this.o.log.warn({ type: job?.data.type, err: err.message }, "schedule fan-out failed"),
    );
    await this.worker.waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.worker?.close();
  }

  private async process(job: Job<FanOutJobData>): Promise<FanOutResult> {
    const startedAt = Date.now();
    // Job-scheduler iterations carry their due time as prevMillis.
    const due = job.opts.prevMillis;
    const reason = job.data.reason ?? "cron";
    const latenessMs = reason === "cron" && due ? startedAt - due : null;
    const res = await runFanOut(this.o, job.data.type ?? job.name, new Date(startedAt));
    this.o.onFired?.({ ...res, reason, latenessMs });
    return res;
  }
}
