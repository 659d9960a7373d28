// Makes the driver match the `schedules` table: creates or updates each enabled row's schedule (by its
// stable id), removes every schedule of ours the table does not want, and refreshes next_run_at. Idempotent,
// and serialized across instances by a Redis lock, so restarts and simultaneous starts duplicate nothing.
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { listSchedules, setNextRunAt } from "../../db/queries/schedules.js";
import type { Logger } from "../logger.js";
import { cronProblem, nextOccurrence } from "./cron.js";
import type { DesiredSchedule, ScheduleDriver } from "./driver.js";
import { withRedisLock } from "./lock.js";

export interface ReconcileReport {
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: string[];
  /** Rows the driver cannot take (e.g. a 6-field cron under QStash), with why. */
  invalid: { jobType: string; message: string }[];
}

export interface ReconcileDeps {
  db: Db;
  redis: Redis;
  prefix: string;
  driver: ScheduleDriver;
  log: Logger;
}

export function reconcileLockKey(prefix: string): string {
  return `${prefix}:scheduler:reconcile-lock`;
}

export async function reconcileSchedules(deps: ReconcileDeps): Promise<ReconcileReport> {
  return withRedisLock(deps.redis, reconcileLockKey(deps.prefix), () => reconcileNow(deps));
}

async function reconcileNow({ db, driver, log }: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { created: [], updated: [], deleted: [], unchanged: [], invalid: [] };
  const rows = await listSchedules(db);
  const desired = new Map<string, DesiredSchedule>();
  const now = new Date();
  for (const row of rows) {
    const problem = row.enabled ? cronProblem(row.cron, row.timezone, driver.kind) : null;
    if (problem)
      report.invalid.push({ jobType: row.jobType, message: `${problem.path}: ${problem.message}` });
    const wanted = row.enabled && !problem;
    if (wanted) desired.set(driver.idFor(row.jobType), row);
    const next = wanted ? nextOccurrence(row.cron, row.timezone, now) : null;
    if (next?.getTime() !== row.nextRunAt?.getTime() && (wanted || row.nextRunAt))
      await setNextRunAt(db, row.jobType, next);
  }
  const installed = new Map((await driver.list()).map((s) => [s.id, s]));
  for (const [id, d] of desired) {
    const current = installed.get(id);
    if (current && current.spec === driver.specOf(d) && !current.paused) {
      report.unchanged.push(d.jobType);
      continue;
    }
    await driver.upsert(d, current);
    (current ? report.updated : report.created).push(d.jobType);
  }
  for (const id of installed.keys()) {
    if (desired.has(id)) continue;
    await driver.remove(id);
    report.deleted.push(id);
  }
  if (report.invalid.length) log.error({ invalid: report.invalid }, "schedules the driver cannot take");
  if (report.created.length || report.updated.length || report.deleted.length)
    log.info(
      { driver: driver.kind, created: report.created, updated: report.updated, deleted: report.deleted },
      "schedules reconciled",
    );
  return report;
}
