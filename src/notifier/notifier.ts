// The one notifier: delivers each outbox row (notifications) once to SSE subscribers (the event stream),
// then marks it delivered (the app's webhook has its own sender, webhook.ts); and the handlers' live events
// (drafts, progress) to SSE, deleting each once published. Several notifiers may run: rows are claimed with SKIP LOCKED.
import type { Db } from "../../db/client.js";
import { publishLiveEvents } from "../../db/queries/live-events.js";
import { deliverUndelivered } from "../../db/queries/notifications.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../logger.js";
import { PollLoop } from "../runtime/poll-loop.js";
import { notificationView } from "./view.js";

export interface NotifierOptions {
  db: Db;
  events: EventBus;
  log: Logger;
  /** Poll interval in ms. @default 500 */
  intervalMs?: number;
}

export class Notifier {
  private readonly loop: PollLoop;

  constructor(private readonly o: NotifierOptions) {
    this.loop = new PollLoop(() => this.tick(), {
      intervalMs: o.intervalMs ?? 500,
      log: o.log,
      name: "notifier",
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Delivers everything pending now; returns how many rows were delivered. */
  async tick(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await deliverUndelivered(this.o.db, async (rows) => {
        for (const row of rows) {
          await this.o.events.publish("notification", row.orgId, row.userId, notificationView(row));
        }
      });
      const live = await publishLiveEvents(this.o.db, async (rows) => {
        for (const row of rows) await this.o.events.publish(row.kind, row.orgId, row.userId, row.data);
      });
      total += n + live;
      if (n < 100 && live < 500) return total;
    }
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
