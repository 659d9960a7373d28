// The scheduler's own BullMQ queue: the bullmq driver's job schedulers emit fan-out jobs on it, and QStash
// triggers and "run now" add them. Its name starts with "_", which no job type can (catalog.ts).
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

export const SCHEDULER_QUEUE = "_scheduler";

/** One fan-out request: which type, why, and (for cron) the time it was due. */
export interface FanOutJobData {
  type: string;
  reason: "cron" | "trigger" | "manual";
  /** QStash's Upstash-Message-Id, for triggers. */
  messageId?: string;
}

export const FANOUT_JOB_OPTS = {
  removeOnComplete: { age: 24 * 3600, count: 500 },
  removeOnFail: { age: 7 * 24 * 3600, count: 500 },
  attempts: 3,
  backoff: { type: "exponential", delay: 2_000 },
} as const;

export function schedulerQueue(connection: Redis, prefix: string): Queue<FanOutJobData> {
  const queue = new Queue<FanOutJobData>(SCHEDULER_QUEUE, {
    connection,
    prefix,
    skipWaitingForReady: true,
    defaultJobOptions: FANOUT_JOB_OPTS,
  });
  queue.on("error", () => {}); // connection errors surface on the calls
  return queue;
}

/** Adds a one-off fan-out (trigger or run-now). `dedupId` makes a redelivery a no-op while the job exists. */
export async function addFanOut(
  queue: Queue<FanOutJobData>,
  data: FanOutJobData,
  dedupId?: string,
): Promise<string> {
  const job = await queue.add(data.type, data, dedupId ? { jobId: dedupId } : {});
  return job.id ?? "";
}
