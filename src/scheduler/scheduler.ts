// The relay-side scheduler: seeds the default schedules, reconciles the table and the driver at start and
// every SCHEDULE_RECONCILE_INTERVAL_MS, and runs the fan-out worker. Started by src/service.ts (relay role).
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { seedSchedules } from "../../db/queries/schedules.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import type { Config } from "../config.js";
import type { Lifecycle } from "../lifecycle/lifecycle.js";
import type { Logger } from "../logger.js";
import { PollLoop } from "../runtime/poll-loop.js";
import { ScheduleControl } from "./control.js";
import { FanOutWorker, type FanOutWorkerOptions } from "./fan-out.js";
import { defaultSchedules } from "./targets.js";

export interface SchedulerOptions {
  config: Pick<
    Config,
    "SCHEDULER" | "QSTASH_URL" | "QSTASH_TOKEN" | "PUBLIC_URL" | "SCHEDULE_RECONCILE_INTERVAL_MS"
  >;
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
  onFired?: FanOutWorkerOptions["onFired"];
}

export class Scheduler {
  readonly control: ScheduleControl;
  private readonly worker: FanOutWorker;
  private readonly loop: PollLoop;

  constructor(private readonly o: SchedulerOptions) {
    this.control = new ScheduleControl(o);
    this.worker = new FanOutWorker(o);
    const intervalMs = o.config.SCHEDULE_RECONCILE_INTERVAL_MS;
    // Skipped when any instance reconciled within the interval (at start, after an admin change, another
    // relay): N relays make about one QStash list call per interval between them.
    this.loop = new PollLoop(
      async () => {
        if (await this.control.reconcileDue(intervalMs)) await this.control.reconcile();
      },
      { intervalMs, log: o.log, name: "schedule reconcile" },
    );
  }

  async start(): Promise<void> {
    await seedSchedules(this.o.db, defaultSchedules(this.o.catalog));
    // QStash being down must not keep the relay from starting: the periodic reconcile catches up.
    await this.control
      .reconcile()
      .catch((err: Error) => this.o.log.error({ err: err.message }, "schedule reconcile at start failed"));
    await this.worker.start();
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.worker.stop();
    await this.control.close();
  }
}
