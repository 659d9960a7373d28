// CLI: the schedules table (what the scheduler driver is reconciled to) with run bookkeeping.
import { listSchedules } from "../../../db/queries/schedules.js";
import { table } from "../format.js";
import type { Command } from "./types.js";

export const scheduleCommands: Record<string, Command> = {
  schedules: {
    usage: "schedules",
    summary: "Every schedule: cron, timezone, enabled, last and next run, jobs enqueued, targets skipped",
    async run(ctx) {
      const rows = await listSchedules(ctx.pg.db);
      return {
        data: { items: rows },
        text: table(
          ["type", "cron", "timezone", "enabled", "last run", "next run", "enqueued", "skipped"],
          rows.map((s) => [
            s.jobType,
            s.cron,
            s.timezone,
            s.enabled,
            s.lastRunAt,
            s.nextRunAt,
            s.lastEnqueuedCount,
            s.skippedCount,
          ]),
        ),
      };
    },
  },
};
