// Settles one schedule row against what the driver holds: applies the three-way decision (push the table's
// state to the driver, or adopt the console's into the table; a console state the service cannot run is
// refused and put back), then writes the new agreement, sync status and next_run_at in one update.
import type { Db } from "../../db/client.js";
import { type ScheduleRow, type ScheduleSyncPatch, saveScheduleSync } from "../../db/queries/schedules.js";
import type { AgreedSchedule } from "../../db/schema.js";
import type { Logger } from "../logger.js";
import { cronProblem, nextOccurrence, normalizeCron } from "./cron.js";
import {
  describeState,
  type InstalledSchedule,
  type ScheduleDriver,
  type ScheduleState,
  sameState,
} from "./driver.js";
import type { ReconcileReport } from "./reconcile.js";
import { consoleProblem, decide } from "./three-way.js";

export interface SettleInput {
  db: Db;
  driver: ScheduleDriver;
  log: Logger;
  row: ScheduleRow;
  /** The schedule the driver holds for the row's type (the newest, if it held several). */
  held: InstalledSchedule | undefined;
  now: Date;
  report: ReconcileReport;
}

export function agreedState(row: ScheduleRow): ScheduleState | null {
  const a = row.agreed;
  return a ? { cron: a.cron, timezone: a.timezone, paused: a.paused, destination: a.destination } : null;
}

export function heldState(h: InstalledSchedule): AgreedSchedule {
  return {
    scheduleId: h.id,
    cron: h.cron,
    timezone: h.timezone,
    paused: h.paused,
    destination: h.destination,
  };
}

export async function settleSchedule({
  db,
  driver,
  log,
  row,
  held,
  now,
  report,
}: SettleInput): Promise<void> {
  const jobType = row.jobType;
  const table: ScheduleState = {
    cron: normalizeCron(row.cron),
    timezone: row.timezone,
    paused: !row.enabled,
    destination: driver.destinationFor(jobType),
  };
  const seen = row.consoleSeen && held && sameState(row.consoleSeen.state, held);
  let decision = decide({
    table,
    held: held ?? null,
    agreed: agreedState(row),
    external: driver.external,
    tableChangedAt: row.updatedAt,
    consoleSeenAt: seen ? new Date(row.consoleSeen!.at) : now,
  });
  const refused = decision.kind === "adopt" ? consoleProblem(held!, table, driver.kind) : null;
  if (refused) {
    report.invalid.push({ jobType, message: `console change refused: ${refused}` });
    const conflict = decision.conflict && { ...decision.conflict, winner: "table" as const };
    decision = { kind: "push", recreate: false, ...(conflict ? { conflict } : {}) };
  }
  if (decision.conflict) {
    const { winner, tableChangedAt, consoleSeenAt } = decision.conflict;
    report.conflicts.push({ jobType, winner });
    log.warn(
      {
        jobType,
        winner,
        table: describeState(table),
        console: describeState(held!),
        tableChangedAt,
        consoleSeenAt,
      },
      `schedule changed in the table and in the QStash console: the newer (${winner}) wins`,
    );
  }
  const patch: ScheduleSyncPatch = { consoleSeen: null };
  let final = table;
  if (decision.kind === "agree") {
    report.unchanged.push(jobType);
    patch.agreed = held ? heldState(held) : { ...table, scheduleId: null };
  } else if (decision.kind === "push") {
    const problem = table.paused ? null : cronProblem(table.cron, table.timezone, driver.kind);
    if (problem) {
      const message = `${problem.path}: ${problem.message}`;
      report.invalid.push({ jobType, message });
      await saveScheduleSync(db, jobType, { syncError: message, nextRunAt: null });
      return;
    }
    const id = held?.id ?? driver.idFor(jobType);
    try {
      await driver.put(id, jobType, table, held);
    } catch (err) {
      const message = (err as Error).message;
      report.failed.push({ jobType, message });
      await saveScheduleSync(db, jobType, { syncError: `${driver.kind}: ${message}` });
      return;
    }
    (held ? report.updated : report.created).push(jobType);
    if (decision.recreate) log.warn({ jobType, id }, "schedule deleted outside the service: recreated");
    patch.agreed = { ...table, scheduleId: id };
    patch.syncError = refused ? `console change refused (${refused}); kept ${describeState(table)}` : null;
  } else {
    final = held!;
    report.adopted.push(jobType);
    log.info(
      { jobType, from: describeState(table), to: describeState(held!) },
      "schedule change made in the QStash console adopted",
    );
    Object.assign(patch, {
      cron: final.cron,
      timezone: final.timezone,
      enabled: !final.paused,
      source: "console",
      agreed: heldState(held!),
      syncError: null,
      touch: true,
    } satisfies ScheduleSyncPatch);
  }
  patch.lastSyncedAt = now;
  const next = final.paused ? null : nextOccurrence(final.cron, final.timezone, now);
  if (next?.getTime() !== row.nextRunAt?.getTime()) patch.nextRunAt = next;
  await saveScheduleSync(db, jobType, patch);
}
