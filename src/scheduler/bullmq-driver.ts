// The embedded scheduler: one BullMQ job scheduler per enabled schedule on the scheduler's queue, with a
// stable id (`schedule-<type>`), emitting a fan-out job at each cron time (seconds allowed, zone-aware).
// Nothing outside the service edits these, so the table always wins (`external: false`).
import type { Queue } from "bullmq";
import { normalizeCron } from "./cron.js";
import type { InstalledSchedule, ScheduleDriver, ScheduleState } from "./driver.js";
import { FANOUT_JOB_OPTS, type FanOutJobData } from "./scheduler-queue.js";

const ID_PREFIX = "schedule-";

export class BullmqDriver implements ScheduleDriver {
  readonly kind = "bullmq" as const;
  readonly external = false;

  constructor(private readonly queue: Queue<FanOutJobData>) {}

  idFor(jobType: string): string {
    return `${ID_PREFIX}${jobType}`;
  }

  destinationFor(jobType: string): string {
    return this.idFor(jobType);
  }

  async list(): Promise<InstalledSchedule[]> {
    const all = await this.queue.getJobSchedulers(0, -1, true);
    return all
      .filter((s) => s.key.startsWith(ID_PREFIX))
      .map((s) => ({
        id: s.key,
        jobType: s.key.slice(ID_PREFIX.length),
        ours: true,
        createdAt: 0,
        cron: s.pattern ?? `every ${s.every}`,
        timezone: s.tz ?? "UTC",
        paused: false,
        destination: s.key,
      }));
  }

  /** A job scheduler cannot be paused: a paused (disabled) schedule is removed. */
  async put(id: string, jobType: string, want: ScheduleState): Promise<void> {
    if (want.paused) {
      await this.queue.removeJobScheduler(id);
      return;
    }
    await this.queue.upsertJobScheduler(
      id,
      { pattern: normalizeCron(want.cron), tz: want.timezone },
      {
        name: jobType,
        data: { type: jobType, reason: "cron" },
        opts: {
          removeOnComplete: FANOUT_JOB_OPTS.removeOnComplete,
          removeOnFail: FANOUT_JOB_OPTS.removeOnFail,
        },
      },
    );
  }

  async remove(id: string): Promise<void> {
    await this.queue.removeJobScheduler(id);
  }

  async close(): Promise<void> {}
}
