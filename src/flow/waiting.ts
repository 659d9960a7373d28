// Jobs that wait on a named reason without holding a slot or spending an attempt (ARCHITECTURE: flow
// control is work-conserving). Parking records the reason in Postgres (the truth: the job view shows it,
// and the reconciler puts a job Redis lost back, to be parked again), adds it to the reason's wake list in
// Redis and moves BullMQ's copy to delayed, far ahead; waking pops the list and promotes each job. No Redis
// command per waiting job while it waits.
import { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { clearWaiting, type Marked, markWaiting, type WaitingOn } from "../../db/queries/lifecycle/wait.js";
import type { Queues } from "../queue/queues.js";

/**
 * How far ahead a parked job is delayed when its reason has no known end. It is woken before; this bounds
 * how long a job whose wake-up was lost (a crash between popping and promoting it) can stay asleep: it
 * then comes back, is checked again and, still waiting, parks again. @default 3_600_000
 */
export const PARK_MS = 3_600_000;

/** The wake list of the jobs waiting on `reason`/`key`; members are "<type>:<jobId>". */
export const waitListKey = (prefix: string, reason: string, key: string) => `${prefix}:wait:${reason}:${key}`;

export interface WaitingOptions {
  db: Db;
  redis: Redis;
  prefix: string;
  queues: Queues;
}

export class Waiting {
  constructor(private readonly o: WaitingOptions) {}

  private listKey(reason: string, key: string): string {
    return waitListKey(this.o.prefix, reason, key);
  }

  /** The keys of `reason` that have parked jobs. */
  private keysKey(reason: string): string {
    return `${this.o.prefix}:wait:${reason}:keys`;
  }

  /**
   * Parks an active BullMQ job. Answers "moved" when its row had moved on (cancelled meanwhile) and
   * "expired" when it is past its expiry (its activation fails it): nothing parked then. BullMQ's copy sleeps
   * until `wakeAt` (default: `on.until`, else PARK_MS ahead; a function of when it began waiting), never
   * past the job's expiry, so an expiring job comes back to fail in time.
   */
  async park(
    job: Job,
    token: string | undefined,
    on: WaitingOn,
    wakeAt?: Date | ((marked: Marked) => Date),
  ): Promise<Marked | "moved" | "expired"> {
    const marked = await markWaiting(this.o.db, job.id!, on);
    if (!marked) return "moved";
    if (marked.expiresAt && marked.expiresAt.getTime() <= Date.now()) return "expired";
    const list = this.listKey(on.reason, on.key);
    const member = `${job.name}:${job.id}`;
    // On the wake list first, so a wake from now on finds it; one that came before the move to delayed
    // could not promote it: then it is no longer on the list, and it promotes itself.
    await this.o.redis.multi().zadd(list, Date.now(), member).sadd(this.keysKey(on.reason), on.key).exec();
    const wake = typeof wakeAt === "function" ? wakeAt(marked) : wakeAt;
    let at = (wake ?? on.until)?.getTime() ?? Date.now() + PARK_MS;
    if (marked.expiresAt) at = Math.min(at, marked.expiresAt.getTime() + 1);
    await job.moveToDelayed(at, token);
    if ((await this.o.redis.zscore(list, member)) === null) await job.promote().catch(() => {});
    return marked;
  }

  /** Takes a job off a wake list (it will not wait any more, e.g. it failed). */
  async forget(reason: string, key: string, member: string): Promise<void> {
    await this.o.redis.zrem(this.listKey(reason, key), member);
  }

  /**
   * Wakes the jobs parked on `reason`/`key` (at most `limit`); returns how many. Members whose job no
   * longer waits (cancelled, purged, already taken) are dropped and do not count.
   */
  async wake(reason: string, key: string, limit = Number.POSITIVE_INFINITY): Promise<number> {
    const list = this.listKey(reason, key);
    let woken = 0;
    while (woken < limit) {
      const popped = await this.o.redis.zpopmin(list, Math.min(100, limit - woken));
      if (!popped.length) break;
      const ids: string[] = [];
      for (let i = 0; i < popped.length; i += 2) {
        const { id, promoted } = await this.promote(popped[i]!);
        ids.push(id);
        if (promoted) woken++;
      }
      await clearWaiting(this.o.db, ids);
    }
    if ((await this.o.redis.zcard(list)) === 0) await this.o.redis.srem(this.keysKey(reason), key);
    return woken;
  }

  /**
   * Wakes one job already popped from the wake list of `reason`/`key` (member "<type>:<jobId>", by a slot
   * release); when that job no longer waits, the next one on the list is woken instead.
   */
  async wakeMember(member: string, reason: string, key: string): Promise<void> {
    const { id, promoted } = await this.promote(member);
    await clearWaiting(this.o.db, [id]);
    if (!promoted) await this.wake(reason, key, 1);
  }

  /** Moves the parked job back to waiting; `promoted` false when it was not parked any more. */
  private async promote(member: string): Promise<{ id: string; promoted: boolean }> {
    const at = member.indexOf(":");
    const [type, id] = [member.slice(0, at), member.slice(at + 1)];
    const job = await Job.fromId(this.o.queues.get(type), id).catch(() => undefined);
    // promote() refuses a job that is not delayed (a reconciler re-add, a relay that took it, cancelled).
    const promoted = job
      ? await job.promote().then(
          () => true,
          () => false,
        )
      : false;
    return { id, promoted };
  }

  /** The keys of `reason` that have parked jobs (to wake those whose reason cleared while no one looked). */
  parkedKeys(reason: string): Promise<string[]> {
    return this.o.redis.smembers(this.keysKey(reason));
  }
}
