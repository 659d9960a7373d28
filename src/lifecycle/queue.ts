// The lifecycle's side of Redis: put jobs on their type's BullMQ queue (fair priority, bounded wait),
// take BullMQ's copy off again, and the channel a cancel request is announced on.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { JobRow } from "../../db/queries/jobs.js";
import type { Priority } from "../config.js";
import { type FairPriorities, fairPriorities } from "../queue/fairness.js";
import type { Queues } from "../queue/queues.js";

/** What a queue add needs of a job. */
export type QueuedJob = Pick<JobRow, "id" | "type" | "orgId" | "userId" | "priority" | "requestId">;

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const data = (job: QueuedJob) => ({
  orgId: job.orgId,
  userId: job.userId,
  ...(job.requestId ? { requestId: job.requestId } : {}),
});

/** Adds one job (idempotent by job id), with its fair priority (asked for now unless given). */
export async function addOne(
  queues: Queues,
  fairness: FairPriorities,
  job: QueuedJob,
  delayMs: number,
  fairPriority?: Promise<number>,
): Promise<void> {
  const priority = await (fairPriority ??
    fairness.priority({
      queue: job.type,
      level: job.priority as Priority,
      orgId: job.orgId,
      userId: job.userId,
    }));
  await queues
    .get(job.type)
    .add(job.type, data(job), { jobId: job.id, priority, delay: Math.max(0, delayMs) });
}

/** Adds many jobs of one type: their fair priorities in one pipeline, then one addBulk. */
export async function addMany(redis: Redis, queues: Queues, jobs: readonly QueuedJob[]): Promise<void> {
  const type = jobs[0]!.type;
  const priorities = await fairPriorities(
    redis,
    queues.prefix,
    jobs.map((j) => ({ queue: type, level: j.priority as Priority, orgId: j.orgId, userId: j.userId })),
  );
  await queues.get(type).addBulk(
    jobs.map((j, k) => ({
      name: type,
      data: data(j),
      opts: { jobId: j.id, priority: priorities[k] as number }, // no rate limit asked: always a number
    })),
  );
}

/** Removes BullMQ's copy of a job, waiting up to `waitMs` while a relay still holds it (active). */
export async function removeQueuedCopy(queue: Queue, id: string, waitMs = 10_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const state = await queue.getJobState(id);
    if (state === "unknown") return;
    if (state !== "active" && (await queue.remove(id)) === 1) return;
    if (Date.now() > deadline) throw new Error(`job ${id} is still held by a relay`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The pub/sub channel on which a cancel request for an active job is announced to every relay. */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}
