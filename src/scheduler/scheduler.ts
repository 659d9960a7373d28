// The relay-side scheduler: seeds the default schedules, reconciles the driver to the table at start and
// every `reconcileIntervalMs`, and runs the fan-out worker. Started by src/service.ts in the relay role.
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { seedSchedules } from "../../db/queries/schedules.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import type { Config } from "../config.js";
import type { Lifecycle } from "../lifecycle/lifecycle.js";
import type { Logger } from "../logger.js";
import { ScheduleControl } from "./control.js";
import { FanOutWorker, type FanOutWorkerOptions } from "./fan-out.js";
import { defaultSchedules } from "./targets.js";

/** How often the driver is checked against the table besides start and changes. @default 600_000 */
export const RECONCILE_EVERY_MS = 10 * 60_000;

export interface SchedulerOptions {
  config: Pick<Config, "SCHEDULER" | "QSTASH_URL" | "QSTASH_TOKEN" | "PUBLIC_URL">;
  db: Db;
  /** Commands connection. */
  redis: Redis;
  /** Worker connection (maxRetriesPerRequest: null). */
  connection: Redis;
  prefix: string;
  catalog: Catalog;
  lifecycle: Lifecycle;
  maxAttempts: number;
  log: Logger;
  reconcileIntervalMs?: number;
  onFired?: FanOutWorkerOptions["onFired"];
}

export class Scheduler {
  readonly control: ScheduleControl;
  private readonly worker: FanOutWorker;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: SchedulerOptions) {
    this.control = new ScheduleControl(o);
    this.worker = new FanOutWorker(o);
  }

  async start(): Promise<void> {
    await seedSchedules(this.o.db, defaultSchedules(this.o.catalog));
    // QStash being down must not keep the relay from starting: the periodic reconcile catches up.
    await this.control
      .reconcile()
      .catch((err: Error) => this.o.log.error({ err: err.message }, "schedule reconcile at start failed"));
    await this.worker.start();
    this.timer = setInterval(
      () =>
        void this.control
          .reconcile()
          .catch((err: Error) => this.o.log.warn({ err: err.message }, "schedule reconcile failed")),
      this.o.reconcileIntervalMs ?? RECONCILE_EVERY_MS,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.worker.stop();
    await this.control.close();
  }
}
