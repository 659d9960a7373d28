// Job history retention: finished jobs (and their runs) older than JOB_RETENTION_DAYS are deleted, in
// batches, once an hour (the first pass an hour after start).
import type { Db } from "../../db/client.js";
import { purgeFinishedBefore } from "../../db/queries/jobs.js";
import type { Logger } from "../logger.js";
import { PollLoop } from "../runtime/poll-loop.js";

export interface PurgeOptions {
  db: Db;
  log: Logger;
  retentionDays: number;
  /** @default 3_600_000 (hourly) */
  intervalMs?: number;
}

export class Purge {
  private readonly loop: PollLoop;

  constructor(private readonly o: PurgeOptions) {
    this.loop = new PollLoop(() => this.runOnce(), {
      intervalMs: o.intervalMs ?? 3_600_000,
      log: o.log,
      name: "purge",
    });
  }

  start(): void {
    this.loop.start({ delayFirst: true });
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass; returns how many jobs were deleted. */
  async runOnce(now = Date.now()): Promise<number> {
    let purged = 0;
    for (;;) {
      const n = await purgeFinishedBefore(this.o.db, new Date(now - this.o.retentionDays * 86_400_000));
      purged += n;
      if (n < 1000) break;
    }
    if (purged) this.o.log.info({ purged }, "purged finished jobs past retention");
    return purged;
  }
}
