// Raw BullMQ, the yardstick: a Queue and a Worker with the same connections, concurrency, worker options
// and job options as the system's (src/queue/queues.ts, src/relay/relay.ts), and a processor that does
// nothing (or sleeps, for the scenarios whose handler sleeps).
import { type Job, type Processor, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { KEEP_COMPLETED, KEEP_FAILED } from "../src/queue/queues.js";
import { blockingClient, commandClient } from "../src/runtime/redis.js";

/** The priority the system gives the first job of the "normal" band (src/queue/fairness.ts). */
export const RAW_PRIORITY = 1 + 2 * 524_287;

export interface RawData {
  orgId: string;
  userId: string;
}

export interface RawWorkerSettings {
  concurrency: number;
  /** @default 30_000 (the system's LOCK_DURATION_MS default) */
  lockDurationMs?: number;
  /** @default 15_000 (the system's STALLED_INTERVAL_MS default) */
  stalledIntervalMs?: number;
  /** @default 300 (the system's DRAIN_DELAY_S default) */
  drainDelayS?: number;
}

function ready(client: Redis): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve) => client.once("ready", () => resolve()));
}

export class RawBullmq {
  readonly queue: Queue<RawData>;
  private readonly commands: Redis;
  private readonly blocking: Redis;
  private worker: Worker<RawData> | null = null;
  private seq = 0;

  /** Connects first: the commands client has no offline queue (like the API's), so it must be ready. */
  static async open(url: string, prefix: string, name = "raw"): Promise<RawBullmq> {
    const commands = commandClient(url);
    const blocking = blockingClient(url);
    await Promise.all([ready(commands), ready(blocking)]);
    return new RawBullmq(commands, blocking, prefix, name);
  }

  private constructor(
    commands: Redis,
    blocking: Redis,
    readonly prefix: string,
    readonly name: string,
  ) {
    this.commands = commands;
    this.blocking = blocking;
    this.queue = new Queue<RawData>(name, {
      connection: this.commands,
      prefix,
      skipWaitingForReady: true,
      defaultJobOptions: { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED, attempts: 1 },
    });
    this.queue.on("error", () => {});
  }

  /** The id the next add() will use. */
  nextId(): string {
    return `raw_${process.pid}_${this.seq + 1}`;
  }

  /** Adds one job with the system's job options (own id, a priority, no delay). */
  add(data: RawData = { orgId: "org", userId: "user" }): Promise<Job<RawData>> {
    return this.queue.add(this.name, data, {
      jobId: `raw_${process.pid}_${++this.seq}`,
      priority: RAW_PRIORITY,
      delay: 0,
    });
  }

  async startWorker(processor: Processor<RawData>, s: RawWorkerSettings): Promise<Worker<RawData>> {
    this.worker = new Worker<RawData>(this.name, processor, {
      connection: this.blocking,
      prefix: this.prefix,
      concurrency: s.concurrency,
      lockDuration: s.lockDurationMs ?? 30_000,
      stalledInterval: s.stalledIntervalMs ?? 15_000,
      maxStalledCount: 1000,
      drainDelay: s.drainDelayS ?? 300,
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
      autorun: true,
    });
    this.worker.on("error", () => {});
    await this.worker.waitUntilReady();
    return this.worker;
  }

  async close(): Promise<void> {
    await this.worker?.close().catch(() => {});
    await this.queue.close().catch(() => {});
    this.commands.disconnect();
    this.blocking.disconnect();
  }
}
