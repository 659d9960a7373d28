// Jobs that wait on a named reason without holding a slot or spending an attempt (ARCHITECTURE: flow
// control is work-conserving). Parking records the reason in Postgres (the truth: the job view shows it,
// and the reconciler puts a job Redis lost back, to be parked again), adds it to the reason's wake list in
// Redis and moves BullMQ's copy to delayed, far ahead; waking pops the list and promotes each job. No Redis
// command per waiting job while it waits.
import { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { clearWaiting, markWaiting, type WaitingOn } from "../../db/queries/lifecycle/wait.js";
import type { Queues } from "../queue/queues.js";

/** How far ahead a parked job is delayed when its reason has no known end (it is woken before). */
export const PARK_MS = 30 * 86_400_000;

export interface WaitingOptions {
  db: Db;
  redis: Redis;
  prefix: string;
  queues: Queues;
}

export class Waiting {
  constructor(private readonly o: WaitingOptions) {}

  private listKey(reason: string, key: string): string {
    return `${this.o.prefix}:wait:${reason}:${key}`;
  }

  /** The keys of `reason` that have parked jobs. */
  private keysKey(reason: string): string {
    return `${this.o.prefix}:wait:${reason}:keys`;
  }

  /** Parks an active BullMQ job; false when its row had moved on (cancelled meanwhile): nothing parked. */
  async park(job: Job, token: string | undefined, on: WaitingOn): Promise<boolean> {
    if (!(await markWaiting(this.o.db, job.id!, on))) return false;
    const until = on.until ? on.until.getTime() : Date.now() + PARK_MS;
    await job.moveToDelayed(until, token);
    await this.o.redis
      .multi()
      .zadd(this.listKey(on.reason, on.key), Date.now(), `${job.name}:${job.id}`)
      .sadd(this.keysKey(on.reason), on.key)
      .exec();
    return true;
  }

  /** Wakes the jobs parked on `reason`/`key` (at most `limit`); returns how many. */
  async wake(reason: string, key: string, limit = Number.POSITIVE_INFINITY): Promise<number> {
    const list = this.listKey(reason, key);
    let woken = 0;
    while (woken < limit) {
      const popped = await this.o.redis.zpopmin(list, Math.min(100, limit - woken));
      if (!popped.length) break;
      const ids: string[] = [];
      for (let i = 0; i < popped.length; i += 2) ids.push(await this.promote(popped[i]!));
      await clearWaiting(this.o.db, ids);
      woken += ids.length;
    }
    if ((await this.o.redis.zcard(list)) === 0) await this.o.redis.srem(this.keysKey(reason), key);
    return woken;
  }

  /** Wakes one job already popped from its wake list (member "<type>:<jobId>", e.g. by a slot release). */
  async wakeMember(member: string): Promise<void> {
    await clearWaiting(this.o.db, [await this.promote(member)]);
  }

  /** Moves the parked job back to waiting; returns its id. */
  private async promote(member: string): Promise<string> {
    const at = member.indexOf(":");
    const [type, id] = [member.slice(0, at), member.slice(at + 1)];
    const job = await Job.fromId(this.o.queues.get(type), id).catch(() => undefined);
    // Already out of delayed (a reconciler re-add, a relay that took it): nothing to promote.
    await job?.promote().catch(() => {});
    return id;
  }

  /** The keys of `reason` that have parked jobs (to wake those whose reason cleared while no one looked). */
  parkedKeys(reason: string): Promise<string[]> {
    return this.o.redis.smembers(this.keysKey(reason));
  }
}
