// Schedule rows (one per scheduled job type): what the table wants, what it last agreed with the driver
// (the reconcile's bookkeeping), and the run bookkeeping the fan-out writes (last/next run, counts).
import { eq, max, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { schedules } from "../schema.js";

export type ScheduleRow = typeof schedules.$inferSelect;

/** What one reconcile writes to a row: adopted values (with `source`), the new agreement, sync status. */
export type ScheduleSyncPatch = Partial<
  Pick<
    ScheduleRow,
    | "cron"
    | "timezone"
    | "enabled"
    | "nextRunAt"
    | "source"
    | "agreed"
    | "consoleSeen"
    | "syncError"
    | "lastSyncedAt"
  >
> & { touch?: boolean };

/** Inserts the default rows that do not exist yet; never overwrites an operator's change. */
export async function seedSchedules(
  db: Db,
  defaults: readonly { jobType: string; cron: string; timezone?: string }[],
): Promise<void> {
  if (!defaults.length) return;
  await db
    .insert(schedules)
    .values(defaults.map((d) => ({ jobType: d.jobType, cron: d.cron, timezone: d.timezone ?? "UTC" })))
    .onConflictDoNothing();
}

export async function listSchedules(db: Db): Promise<ScheduleRow[]> {
  return db.select().from(schedules).orderBy(schedules.jobType);
}

export async function getSchedule(db: Db, jobType: string): Promise<ScheduleRow | null> {
  const [row] = await db.select().from(schedules).where(eq(schedules.jobType, jobType));
  return row ?? null;
}

export async function updateSchedule(
  db: Db,
  jobType: string,
  set: { cron: string; timezone: string; enabled: boolean; nextRunAt: Date | null },
  source: ScheduleRow["source"] = "api",
): Promise<ScheduleRow | null> {
  const [row] = await db
    .update(schedules)
    .set({ ...set, source, updatedAt: sql`now()` })
    .where(eq(schedules.jobType, jobType))
    .returning();
  return row ?? null;
}

/** Writes a reconcile's outcome for one row; `touch` marks a table change (adopted from the console). */
export async function saveScheduleSync(db: Db, jobType: string, patch: ScheduleSyncPatch): Promise<void> {
  const { touch, ...set } = patch;
  await db
    .update(schedules)
    .set({ ...set, ...(touch ? { updatedAt: sql`now()` } : {}) })
    .where(eq(schedules.jobType, jobType));
}

/** When any instance last finished a reconcile (the newest `last_synced_at`), or null. */
export async function lastScheduleSync(db: Db): Promise<Date | null> {
  const [row] = await db.select({ at: max(schedules.lastSyncedAt) }).from(schedules);
  return row?.at ?? null;
}

export async function setNextRunAt(db: Db, jobType: string, nextRunAt: Date | null): Promise<void> {
  await db.update(schedules).set({ nextRunAt }).where(eq(schedules.jobType, jobType));
}

/** Records one fan-out: when it ran, when the next one is due, how many jobs went in and how many were skipped. */
export async function recordScheduleRun(
  db: Db,
  jobType: string,
  run: { at: Date; nextRunAt: Date | null; enqueued: number; skipped: number },
): Promise<ScheduleRow | null> {
  const [row] = await db
    .update(schedules)
    .set({
      lastRunAt: run.at,
      nextRunAt: run.nextRunAt,
      lastEnqueuedCount: run.enqueued,
      skippedCount: sql`${schedules.skippedCount} + ${run.skipped}`,
      lastSkippedAt: run.skipped > 0 ? run.at : sql`${schedules.lastSkippedAt}`,
    })
    .where(eq(schedules.jobType, jobType))
    .returning();
  return row ?? null;
}
