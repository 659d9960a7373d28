// The one notifier: delivers each outbox row (notifications) once to SSE subscribers (the event stream)
// and to the app's webhook when configured, then marks it delivered. Several notifiers may run: rows are
// claimed with SKIP LOCKED.
import type { Db } from "../../db/client.js";
import { deliverUndelivered, type NotificationRow } from "../../db/queries/notifications.js";
import { notificationView } from "../api/routes/notifications.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../logger.js";

export interface NotifierOptions {
  db: Db;
  events: EventBus;
  log: Logger;
  /** Poll interval in ms. @default 500 */
  intervalMs?: number;
  /** Extra delivery (the app webhook), called once per row before it is marked delivered. */
  extraDelivery?: (row: NotificationRow) => Promise<void>;
}

export class Notifier {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly o: NotifierOptions) {}

  start(): void {
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.tick().then(
        () => {},
        (err: Error) => this.o.log.warn({ err: err.message }, "notifier round failed"),
      );
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, this.o.intervalMs ?? 500);
    };
    void loop();
  }

  /** Delivers everything pending now; returns how many rows were delivered. */
  async tick(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await deliverUndelivered(this.o.db, async (rows) => {
        for (const row of rows) {
          await this.o.extraDelivery?.(row);
          await this.o.events.publish("notification", row.orgId, row.userId, notificationView(row));
        }
      });
      total += n;
      if (n < 100) return total;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
