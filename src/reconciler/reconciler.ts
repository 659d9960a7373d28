// Postgres is the truth, Redis holds the queue: every interval (and when Redis comes back) jobs that
// Postgres holds as queued or retrying, or active for longer than their type allows, but that Redis no
// longer has (restart without persistence, FLUSHALL, failover) are put back. A job Redis still has is
// left alone, so nothing doubles. Also purges finished history older than JOB_RETENTION_DAYS.
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { purgeFinishedBefore, staleLiveJobs } from "../../db/queries/jobs.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import { type JobsService, removeQueuedCopy } from "../jobs/service.js";
import type { Logger } from "../logger.js";
import type { Queues } from "../queue/queues.js";

export interface ReconcilerOptions {
  db: Db;
  redis: Redis;
  prefix: string;
  catalog: Catalog;
  jobs: JobsService;
  queues: Queues;
  log: Logger;
  intervalMs: number;
  retentionDays: number;
  /** A queued/retrying row must be this old before it is checked (lets in-flight enqueues finish). @default 5000 */
  graceMs?: number;
}

export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private lastPurge = 0;
  private busy: Promise<number> | null = null;

  constructor(private readonly o: ReconcilerOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce().catch(() => {}), this.o.intervalMs);
    this.o.redis.on("ready", () => void this.runOnce().catch(() => {}));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pass; returns how many jobs were put back on their queue. */
  runOnce(): Promise<number> {
    this.busy ??= this.pass().finally(() => {
      this.busy = null;
    });
    return this.busy;
  }

  private async pass(): Promise<number> {
    const now = Date.now();
    const rows = await staleLiveJobs(this.o.db, new Date(now - (this.o.graceMs ?? 5_000)));
    const candidates = rows.filter((r) => {
      if (r.status !== "active") return true;
      const timeout = this.o.catalog.get(r.type)?.timeoutMs ?? 300_000;
      return now - r.updatedAt.getTime() > timeout + 120_000;
    });
    let restored = 0;
    if (candidates.length) {
      // One round trip: BullMQ's job hash has `timestamp` from creation and `finishedOn` once it ended.
      const pipe = this.o.redis.pipeline();
      for (const r of candidates) pipe.hmget(`${this.o.prefix}:${r.type}:${r.id}`, "timestamp", "finishedOn");
      const found = (await pipe.exec()) ?? [];
      for (const [i, r] of candidates.entries()) {
        const [created, finished] = (found[i]?.[1] as (string | null)[] | undefined) ?? [null, null];
        if ((created && !finished) || !this.o.catalog.get(r.type)) continue; // Redis has it, still to run
        // Missing, or ended in BullMQ while Postgres still says it must run: queue it again.
        if (finished) await removeQueuedCopy(this.o.queues.get(r.type), r.id);
        const delay = r.nextRunAt ? r.nextRunAt.getTime() - now : r.runAt ? r.runAt.getTime() - now : 0;
        await this.o.jobs.addToQueue(r, Math.max(0, delay));
        restored++;
      }
      if (restored) this.o.log.warn({ restored }, "reconciler re-enqueued jobs Redis had lost");
    }
    if (now - this.lastPurge > 3_600_000) {
      this.lastPurge = now;
      const purged = await purgeFinishedBefore(this.o.db, new Date(now - this.o.retentionDays * 86_400_000));
      if (purged) this.o.log.info({ purged }, "purged finished jobs past retention");
    }
    return restored;
  }
}
