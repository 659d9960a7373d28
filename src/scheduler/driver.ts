// What a scheduler driver offers reconcile.ts: list the schedules of ours it holds (parsed back to cron,
// zone, paused, destination), put one by id (create, update, pause, resume), remove one.
import { normalizeCron, type SchedulerKind } from "./cron.js";

/** A schedule's state on either side: the table's wish or what the driver holds. */
export interface ScheduleState {
  /** 5 fields (6 under bullmq), whitespace normalized. */
  cron: string;
  timezone: string;
  paused: boolean;
  /** Where it fires: `{PUBLIC_URL}/triggers/<type>` under QStash, the scheduler id under BullMQ. */
  destination: string;
}

/** A schedule the driver holds, ours by id prefix or (QStash) by trigger URL. */
export interface InstalledSchedule extends ScheduleState {
  id: string;
  /** The job type it belongs to (our id's suffix, else the trigger URL's last segment). */
  jobType: string;
  /** Whether the id is one the service gives (`idFor`), rather than one made in the console. */
  ours: boolean;
  /** Unix ms; the newest of two schedules for one type is kept. */
  createdAt: number;
}

export interface ScheduleDriver {
  readonly kind: SchedulerKind;
  /** Whether changes made outside the service (the QStash console) are adopted into the table. */
  readonly external: boolean;
  /** The stable id the service gives a type's schedule, so reconciling twice changes nothing. */
  idFor(jobType: string): string;
  destinationFor(jobType: string): string;
  list(): Promise<InstalledSchedule[]>;
  /** Makes schedule `id` hold `want` (`current`: what it holds now, if anything). */
  put(id: string, jobType: string, want: ScheduleState, current?: InstalledSchedule): Promise<void>;
  remove(id: string): Promise<void>;
  close(): Promise<void>;
}

/** Same schedule on both sides (ids aside). */
export function sameState(a: ScheduleState, b: ScheduleState): boolean {
  return (
    normalizeCron(a.cron) === normalizeCron(b.cron) &&
    a.timezone === b.timezone &&
    a.paused === b.paused &&
    a.destination === b.destination
  );
}

/** `CRON_TZ=UTC 0 * * * *, paused` — for logs and sync errors. */
export function describeState(s: ScheduleState | null): string {
  if (!s) return "absent";
  return `CRON_TZ=${s.timezone} ${normalizeCron(s.cron)}${s.paused ? ", paused" : ""} → ${s.destination}`;
}
