// One BullMQ queue per job type (queue name = type) under REDIS_PREFIX, created lazily from the catalog.
// The API's connection has no offline queue, so an add fails fast when Redis is down (→ 503), never hangs.
import { Queue, type QueueOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { Catalog } from "../../handlers/kit/catalog.js";

/** What BullMQ carries per job: ids only. The payload lives in Postgres (tokens never enter Redis). */
export interface QueueJobData {
  orgId: string;
  userId: string;
  requestId?: string;
}

export const KEEP_COMPLETED = { age: 3600, count: 1000 };
export const KEEP_FAILED = { age: 7 * 24 * 3600, count: 5000 };

export class Queues {
  private readonly byType = new Map<string, Queue<QueueJobData>>();

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
    private readonly catalog: Catalog,
    /** BullMQ's telemetry option (bullmq-otel) when tracing is on. */
    private readonly telemetry?: QueueOptions["telemetry"],
  ) {}

  get(type: string): Queue<QueueJobData> {
    let queue = this.byType.get(type);
    if (!queue) {
      if (!this.catalog.get(type)) throw new Error(`unknown job type ${type}`);
      // A queue built while the (no-offline-queue) client is down never recovers: refuse now, build later.
      if (this.connection.options.enableOfflineQueue === false && this.connection.status !== "ready") {
        throw new Error("Redis is not connected");
      }
      queue = new Queue<QueueJobData>(type, {
        connection: this.connection,
        prefix: this.prefix,
        skipWaitingForReady: true,
        ...(this.telemetry ? { telemetry: this.telemetry } : {}),
        defaultJobOptions: { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED, attempts: 1 },
      });
      queue.on("error", () => {}); // connection errors surface on the calls; don't crash on the emitter
      this.byType.set(type, queue);
      const built = queue;
      built.waitUntilReady().catch(() => {
        if (this.byType.get(type) === built) this.byType.delete(type);
      });
    }
    return queue;
  }

  all(): Queue<QueueJobData>[] {
    return this.catalog.types().map((t) => this.get(t));
  }

  async close(): Promise<void> {
    await Promise.all([...this.byType.values()].map((q) => q.close().catch(() => {})));
  }
}
