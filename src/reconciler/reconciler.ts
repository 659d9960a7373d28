// Postgres is the truth, Redis holds the queue: every interval (and when Redis comes back) jobs that
// Postgres holds as queued or retrying, or active for longer than their type allows, but that Redis no
// longer has (restart without persistence, FLUSHALL, failover) are put back. A job Redis still has is
// left alone, so nothing doubles. Jobs go back through the lifecycle's one queue path (requeue).
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { type JobRow, staleLiveJobs } from "../../db/queries/jobs.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import type { Lifecycle } from "../lifecycle/lifecycle.js";
import type { Logger } from "../logger.js";
import { PollLoop } from "../runtime/poll-loop.js";

export interface ReconcilerOptions {
  db: Db;
  redis: Redis;
  prefix: string;
  catalog: Catalog;
  lifecycle: Lifecycle;
  log: Logger;
  intervalMs: number;
  /** A queued/retrying row must be this old before it is checked (lets in-flight enqueues finish). @default 5000 */
  graceMs?: number;
}

export class Reconciler {
  private readonly loop: PollLoop;
  private lastFull = 0;
  private forceFull = false;
  /** Passes until then compare everything: after a (re)connect, jobs enqueued just before it are still in
   * their grace period, so one full pass would not be enough. */
  private fullUntil = 0;
  private readonly onReady = () => {
    this.fullUntil = Date.now() + 2 * (this.o.graceMs ?? 5_000) + 1_000;
    this.runOnce().catch((err: Error) => this.o.log.warn({ err: err.message }, "reconciler round failed"));
  };
  private busy: Promise<number> | null = null;

  constructor(private readonly o: ReconcilerOptions) {
    this.loop = new PollLoop(() => this.runOnce(), {
      intervalMs: o.intervalMs,
      log: o.log,
      name: "reconciler",
    });
  }

  /** Passes every interval (the first one interval after start) and whenever Redis reconnects. */
  start(): void {
    this.fullUntil = Date.now() + 2 * (this.o.graceMs ?? 5_000) + 1_000;
    this.loop.start({ delayFirst: true });
    this.o.redis.on("ready", this.onReady);
  }

  /** Stops the passes; waits for the one in flight. */
  async stop(): Promise<void> {
    this.o.redis.off("ready", this.onReady);
    await this.loop.stop();
    await this.busy?.catch(() => 0);
  }

  /** One pass; returns how many jobs were put back on their queue. */
  runOnce(opts: { full?: boolean } = {}): Promise<number> {
    if (opts.full) this.forceFull = true;
    this.busy ??= this.pass().finally(() => {
      this.busy = null;
    });
    return this.busy;
  }

  private async pass(): Promise<number> {
    const now = Date.now();
    // A full comparison costs a Redis command per live job, so it runs only when Redis may have lost data:
    // after a reconnect, when the sentinel key is gone (FLUSHALL, a restart without persistence), and hourly.
    // Otherwise only jobs active for longer than their type allows are checked.
    const sentinel = `${this.o.prefix}:reconciler:sentinel`;
    const lost = (await this.o.redis.exists(sentinel)) === 0;
    const full = lost || this.forceFull || now <= this.fullUntil || now - this.lastFull > 3_600_000;
    this.forceFull = false;
    const before = new Date(now - (this.o.graceMs ?? 5_000));
    let restored = 0;
    let after: { updatedAt: Date; id: string } | undefined;
    for (let page = 0; page < 200; page++) {
      const rows = await staleLiveJobs(this.o.db, before, { after, statuses: full ? undefined : ["active"] });
      if (!rows.length) break;
      const last = rows[rows.length - 1]!;
      after = { updatedAt: last.updatedAt, id: last.id };
      restored += await this.restore(rows, now);
      if (rows.length < 500) break;
    }
    if (full) {
      this.lastFull = now;
      await this.o.redis.set(sentinel, String(now));
    }
    if (restored) this.o.log.warn({ restored, full }, "reconciler re-enqueued jobs Redis had lost");
    return restored;
  }

  private async restore(rows: JobRow[], now: number): Promise<number> {
    const candidates = rows.filter((r) => {
      if (r.status !== "active") return true;
      const timeout = this.o.catalog.get(r.type)?.timeoutMs ?? 300_000;
      return now - r.updatedAt.getTime() > timeout + 120_000;
    });
    if (!candidates.length) return 0;
    // One round trip: BullMQ's job hash has `timestamp` from creation and `finishedOn` once it ended.
    const pipe = this.o.redis.pipeline();
    for (const r of candidates) pipe.hmget(`${this.o.prefix}:${r.type}:${r.id}`, "timestamp", "finishedOn");
    const found = (await pipe.exec()) ?? [];
    let restored = 0;
    for (const [i, r] of candidates.entries()) {
      const [created, finished] = (found[i]?.[1] as (string | null)[] | undefined) ?? [null, null];
      if ((created && !finished) || !this.o.catalog.get(r.type)) continue; // Redis has it, still to run
      // Missing, or ended in BullMQ while Postgres still says it must run: queue it again.
      const delay = r.nextRunAt ? r.nextRunAt.getTime() - now : r.runAt ? r.runAt.getTime() - now : 0;
      await this.o.lifecycle.requeue(r, Math.max(0, delay), { replaceEnded: !!finished });
      restored++;
    }
    return restored;
  }
}
