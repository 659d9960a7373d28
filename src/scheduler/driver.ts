// What a scheduler driver offers reconcile.ts: list what it holds, create/update one schedule by its
// stable id, remove one. Each driver compares schedules through a canonical `spec` string of its own.
import type { SchedulerKind } from "./cron.js";

/** An enabled row of the `schedules` table, as the driver should hold it. */
export interface DesiredSchedule {
  jobType: string;
  cron: string;
  timezone: string;
}

/** A schedule the driver holds (ours: by id prefix, or by destination for QStash). */
export interface InstalledSchedule {
  id: string;
  /** What it holds, in the same form as `specOf` (differs → update). */
  spec: string;
  paused?: boolean;
}

export interface ScheduleDriver {
  readonly kind: SchedulerKind;
  /** The stable id of a type's schedule, so reconciling twice changes nothing. */
  idFor(jobType: string): string;
  specOf(d: DesiredSchedule): string;
  list(): Promise<InstalledSchedule[]>;
  upsert(d: DesiredSchedule, current?: InstalledSchedule): Promise<void>;
  remove(id: string): Promise<void>;
  close(): Promise<void>;
}
