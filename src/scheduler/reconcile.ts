// Reconciles the `schedules` table and the driver both ways: one list call, one schedule kept per type
// (the newest), then each row settled by the three-way decision (settle.ts). Serialized across instances
// by a Postgres advisory lock, so simultaneous reconciles leave one schedule per type.
import type { Db } from "../../db/client.js";
import { listSchedules, type ScheduleRow, saveScheduleSync } from "../../db/queries/schedules.js";
import type { Logger } from "../logger.js";
import { type InstalledSchedule, type ScheduleDriver, sameState } from "./driver.js";
import { withReconcileLock } from "./reconcile-lock.js";
import { agreedState, heldState, settleSchedule } from "./settle.js";

export interface ReconcileReport {
  created: string[];
  updated: string[];
  /** Schedule ids removed: a second schedule for a type, or a stale one of ours. */
  deleted: string[];
  unchanged: string[];
  /** Types whose console change was taken into the table. */
  adopted: string[];
  /** Types changed on both sides since the last agreement. */
  conflicts: { jobType: string; winner: "table" | "console" }[];
  /** Rows the driver cannot take, and console changes refused, with why. */
  invalid: { jobType: string; message: string }[];
  /** Types whose driver call failed (retried at the next reconcile). */
  failed: { jobType: string; message: string }[];
}

export interface ReconcileDeps {
  db: Db;
  prefix: string;
  driver: ScheduleDriver;
  log: Logger;
}

export function emptyReport(): ReconcileReport {
  return {
    created: [],
    updated: [],
    deleted: [],
    unchanged: [],
    adopted: [],
    conflicts: [],
    invalid: [],
    failed: [],
  };
}

/** A console schedule pointing at a type the service does not know is logged once per process. */
const warnedStrangers = new Set<string>();

/**
 * `observeOnly`: record console changes not seen before (with the time), change nothing else; run before an
 * admin change is saved, so a console change made earlier counts as older than it.
 */
export async function reconcileSchedules(
  deps: ReconcileDeps,
  opts: { observeOnly?: boolean } = {},
): Promise<ReconcileReport> {
  return withReconcileLock(deps.db, deps.prefix, (tx) => reconcileNow({ ...deps, db: tx }, opts));
}

async function reconcileNow(deps: ReconcileDeps, opts: { observeOnly?: boolean }): Promise<ReconcileReport> {
  const { db, driver, log } = deps;
  const report = emptyReport();
  const rows = await listSchedules(db);
  const byType = new Map(rows.map((r) => [r.jobType, r]));
  const now = new Date();
  const groups = new Map<string, InstalledSchedule[]>();
  for (const s of await driver.list()) {
    if (byType.has(s.jobType)) groups.set(s.jobType, [...(groups.get(s.jobType) ?? []), s]);
    else if (!opts.observeOnly) await stranger(deps, s, report);
  }
  for (const row of rows) {
    // Newest first; at equal times the one with our id.
    const held = (groups.get(row.jobType) ?? []).sort(
      (a, b) => b.createdAt - a.createdAt || Number(b.ours) - Number(a.ours),
    );
    if (opts.observeOnly) {
      await observe(db, driver, row, held[0], now);
      continue;
    }
    for (const extra of held.slice(1)) {
      await driver.remove(extra.id);
      report.deleted.push(extra.id);
      log.warn(
        { jobType: row.jobType, kept: held[0]!.id, removed: extra.id, removedCron: extra.cron },
        "two schedules for one job type: the newest is kept, the other removed",
      );
    }
    await settleSchedule({ db, driver, log, row, held: held[0], now, report });
  }
  if (report.invalid.length) log.error({ invalid: report.invalid }, "schedules the driver cannot take");
  if (report.created.length || report.updated.length || report.deleted.length || report.adopted.length)
    log.info(
      {
        driver: driver.kind,
        created: report.created,
        updated: report.updated,
        deleted: report.deleted,
        adopted: report.adopted,
      },
      "schedules reconciled",
    );
  return report;
}

/** A schedule of ours for a type the table no longer has is removed; a console one is left and logged. */
async function stranger({ driver, log }: ReconcileDeps, s: InstalledSchedule, report: ReconcileReport) {
  if (s.ours && s.destination.startsWith(driver.destinationFor(""))) {
    await driver.remove(s.id);
    report.deleted.push(s.id);
    return;
  }
  if (warnedStrangers.has(s.id)) return;
  warnedStrangers.add(s.id);
  log.warn(
    { scheduleId: s.id, destination: s.destination, jobType: s.jobType },
    "a console schedule points at a job type the service does not schedule: not adopted",
  );
}

async function observe(
  db: Db,
  driver: ScheduleDriver,
  row: ScheduleRow,
  held: InstalledSchedule | undefined,
  now: Date,
): Promise<void> {
  const agreed = agreedState(row);
  if (!driver.external || !held || !agreed) return;
  if (sameState(held, agreed) || (row.consoleSeen && sameState(row.consoleSeen.state, held))) return;
  await saveScheduleSync(db, row.jobType, { consoleSeen: { state: heldState(held), at: now.toISOString() } });
}
