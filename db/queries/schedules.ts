// Schedule rows (one per scheduled job type): the truth the scheduler driver is reconciled to, and the
// run bookkeeping the fan-out writes (last/next run, enqueued count, overlapping targets skipped).
import { eq, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { schedules } from "../schema.js";

export type ScheduleRow = typeof schedules.$inferSelect;

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
): Promise<ScheduleRow | null> {
  const [row] = await db
    .update(schedules)
    .set({ ...set, updatedAt: sql`now()` })
    .where(eq(schedules.jobType, jobType))
    .returning();
  return row ?? null;
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
