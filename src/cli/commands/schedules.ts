// CLI: the schedules table (reconciled with the scheduler driver both ways) with where each value came
// from, the last sync and run bookkeeping.
import { listSchedules } from "../../../db/queries/schedules.js";
import { table } from "../format.js";
import type { Command } from "./types.js";

export const scheduleCommands: Record<string, Command> = {
  schedules: {
    usage: "schedules",
    summary:
      "Every schedule: cron, timezone, enabled, source (default/api/console), last sync, sync error, runs, counts",
    async run(ctx) {
      const rows = await listSchedules(ctx.pg.db);
      return {
        data: { items: rows },
        text: table(
          [
            "type",
            "cron",
            "timezone",
            "enabled",
            "source",
            "last sync",
            "sync error",
            "last run",
            "next run",
            "enqueued",
            "skipped",
          ],
          rows.map((s) => [
            s.jobType,
            s.cron,
            s.timezone,
            s.enabled,
            s.source,
            s.lastSyncedAt,
            s.syncError,
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
