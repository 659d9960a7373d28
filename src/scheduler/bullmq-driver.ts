// The embedded scheduler: one BullMQ job scheduler per enabled schedule on the scheduler's queue, with a
// stable id (`schedule-<type>`), emitting a fan-out job at each cron time (seconds allowed, zone-aware).
import type { Queue } from "bullmq";
import type { DesiredSchedule, InstalledSchedule, ScheduleDriver } from "./driver.js";
import { FANOUT_JOB_OPTS, type FanOutJobData } from "./scheduler-queue.js";

const ID_PREFIX = "schedule-";

export class BullmqDriver implements ScheduleDriver {
  readonly kind = "bullmq" as const;

  constructor(private readonly queue: Queue<FanOutJobData>) {}

  idFor(jobType: string): string {
    return `${ID_PREFIX}${jobType}`;
  }

  specOf(d: DesiredSchedule): string {
    return `${d.timezone}|${d.cron.trim().split(/\s+/).join(" ")}`;
  }

  async list(): Promise<InstalledSchedule[]> {
    const all = await this.queue.getJobSchedulers(0, -1, true);
    return all
      .filter((s) => s.key.startsWith(ID_PREFIX))
      .map((s) => ({ id: s.key, spec: `${s.tz ?? "UTC"}|${s.pattern ?? `every ${s.every}`}` }));
  }

  async upsert(d: DesiredSchedule): Promise<void> {
    await this.queue.upsertJobScheduler(
      this.idFor(d.jobType),
      { pattern: d.cron.trim().split(/\s+/).join(" "), tz: d.timezone },
      {
        name: d.jobType,
        data: { type: d.jobType, reason: "cron" },
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
