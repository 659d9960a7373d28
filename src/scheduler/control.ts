// Schedule commands shared by the admin API and the relay-side scheduler: build the configured driver,
// reconcile it with the table, change a schedule (validated for that driver), and queue a run now.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import {
  getSchedule,
  lastScheduleSync,
  listSchedules,
  type ScheduleRow,
  updateSchedule,
} from "../../db/queries/schedules.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { BullmqDriver } from "./bullmq-driver.js";
import { cronProblem, nextOccurrence } from "./cron.js";
import type { ScheduleDriver } from "./driver.js";
import { InvalidSchedule, ScheduleNotFound } from "./errors.js";
import { QstashDriver } from "./qstash-driver.js";
import { type ReconcileReport, reconcileSchedules } from "./reconcile.js";
import { addFanOut, type FanOutJobData, schedulerQueue } from "./scheduler-queue.js";
import { scheduledTypes } from "./targets.js";

export interface ScheduleControlDeps {
  config: Pick<Config, "SCHEDULER" | "QSTASH_URL" | "QSTASH_TOKEN" | "PUBLIC_URL">;
  db: Db;
  catalog: Catalog;
  /** Commands connection (shared). */
  redis: Redis;
  prefix: string;
  log: Logger;
}

export interface ScheduleInput {
  cron: string;
  timezone?: string;
  enabled?: boolean;
}

/** Throws naming what is missing when the configured driver cannot work. */
export function checkSchedulerConfig(c: ScheduleControlDeps["config"]): void {
  if (c.SCHEDULER === "qstash" && (!c.QSTASH_TOKEN || !c.PUBLIC_URL))
    throw new Error(
      "SCHEDULER=qstash needs QSTASH_TOKEN and PUBLIC_URL (QStash calls PUBLIC_URL/triggers/:type)",
    );
}

export function createDriver(deps: ScheduleControlDeps, queue: () => Queue<FanOutJobData>): ScheduleDriver {
  const c = deps.config;
  checkSchedulerConfig(c);
  if (c.SCHEDULER === "bullmq") return new BullmqDriver(queue());
  return new QstashDriver({
    baseUrl: c.QSTASH_URL,
    token: c.QSTASH_TOKEN!,
    publicUrl: c.PUBLIC_URL!,
    idPrefix: deps.prefix,
  });
}

export class ScheduleControl {
  private _queue: Queue<FanOutJobData> | null = null;
  private _driver: ScheduleDriver | null = null;

  constructor(private readonly deps: ScheduleControlDeps) {
    checkSchedulerConfig(deps.config);
  }

  /** Created on first use: BullMQ checks the server when a queue is built, so not before Redis is up. */
  get queue(): Queue<FanOutJobData> {
    this._queue ??= schedulerQueue(this.deps.redis, this.deps.prefix);
    return this._queue;
  }

  get driver(): ScheduleDriver {
    this._driver ??= createDriver(this.deps, () => this.queue);
    return this._driver;
  }

  get kind(): ScheduleDriver["kind"] {
    return this.deps.config.SCHEDULER;
  }

  /** Both ways: console changes adopted, table changes pushed (see reconcile.ts). */
  reconcile(opts: { observeOnly?: boolean } = {}): Promise<ReconcileReport> {
    const { db, prefix, log } = this.deps;
    return reconcileSchedules({ db, prefix, log, driver: this.driver }, opts);
  }

  /** Whether no instance has finished a reconcile within `intervalMs` (the periodic one is then due). */
  async reconcileDue(intervalMs: number, now = new Date()): Promise<boolean> {
    const last = await lastScheduleSync(this.deps.db);
    return !last || now.getTime() - last.getTime() >= intervalMs * 0.9;
  }

  list(): Promise<ScheduleRow[]> {
    return listSchedules(this.deps.db);
  }

  async get(jobType: string): Promise<ScheduleRow> {
    const row = this.deps.catalog.get(jobType)?.schedule ? await getSchedule(this.deps.db, jobType) : null;
    if (!row) throw new ScheduleNotFound(jobType, scheduledTypes(this.deps.catalog));
    return row;
  }

  /**
   * Validates and saves a change, then reconciles; `synced` is false when the driver could not be reached.
   * Console changes are looked at first, so one made before this change counts as older than it.
   */
  async update(
    jobType: string,
    input: ScheduleInput,
  ): Promise<{ schedule: ScheduleRow; synced: boolean; syncError?: string }> {
    const current = await this.get(jobType);
    const cron = input.cron.trim().split(/\s+/).join(" ");
    const timezone = input.timezone ?? current.timezone;
    const enabled = input.enabled ?? current.enabled;
    const problem = cronProblem(cron, timezone, this.kind);
    if (problem) throw new InvalidSchedule(problem.path, problem.message);
    const nextRunAt = enabled ? nextOccurrence(cron, timezone, new Date()) : null;
    if (this.driver.external) await this.reconcile({ observeOnly: true }).catch(() => null);
    const saved = (await updateSchedule(this.deps.db, jobType, { cron, timezone, enabled, nextRunAt }))!;
    try {
      const report = await this.reconcile();
      const schedule = (await getSchedule(this.deps.db, jobType)) ?? saved;
      const failed = report.failed.find((f) => f.jobType === jobType);
      return failed ? { schedule, synced: false, syncError: failed.message } : { schedule, synced: true };
    } catch (err) {
      const syncError = (err as Error).message;
      this.deps.log.warn({ jobType, err: syncError }, "schedule saved; driver not reconciled yet");
      return { schedule: saved, synced: false, syncError };
    }
  }

  /** Queues a fan-out now (run-now or a QStash trigger). */
  async runNow(jobType: string, reason: FanOutJobData["reason"], messageId?: string): Promise<string> {
    const dedupId = messageId ? `trigger-${messageId.replace(/[^A-Za-z0-9_-]/g, "_")}` : undefined;
    return addFanOut(this.queue, { type: jobType, reason, ...(messageId ? { messageId } : {}) }, dedupId);
  }

  async close(): Promise<void> {
    await this._driver?.close();
    await this._queue?.close().catch(() => {});
  }
}
