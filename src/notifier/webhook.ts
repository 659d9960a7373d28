// The app's webhook (NOTIFY_WEBHOOK_URL): every notification is POSTed once, signed (webhook-signature.ts),
// retried with backoff until a 2xx. Runs beside the SSE notifier on the relay role; several may run (rows
// are claimed skip-locked) and each accepted delivery is recorded on the row, so it is never sent twice.
import type { Db } from "../../db/client.js";
import type { NotificationRow } from "../../db/queries/notifications.js";
import { sendDueWebhooks, type WebhookResult } from "../../db/queries/webhooks.js";
import type { Logger } from "../logger.js";
import { PollLoop } from "../runtime/poll-loop.js";
import { notificationView } from "./view.js";
import { SIGNATURE_HEADER, signWebhook } from "./webhook-signature.js";

export interface WebhookOptions {
  url: string;
  secret: string;
  db: Db;
  log: Logger;
  /** Waits between attempts, in ms; attempts = 1 + its length. @default 2 s, 10 s, 1 min, 5 min, 30 min, 2 h, 6 h */
  retryDelaysMs?: readonly number[];
  /** Per-request deadline. @default 10_000 ms */
  timeoutMs?: number;
  /** How often due rows are looked for. @default 500 ms */
  intervalMs?: number;
  fetch?: typeof fetch;
}

export const DEFAULT_WEBHOOK_DELAYS_MS = [2_000, 10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000];

/** The JSON body the app receives. `id` is the notification's id: stable across retries, use it to dedup. */
export function webhookBody(row: NotificationRow) {
  return {
    id: row.id,
    event: "notification" as const,
    orgId: row.orgId,
    notification: notificationView(row),
  };
}

export class WebhookSender {
  private readonly loop: PollLoop;
  private readonly cumulativeMs: number[];

  constructor(private readonly o: WebhookOptions) {
    const delays = o.retryDelaysMs ?? DEFAULT_WEBHOOK_DELAYS_MS;
    this.cumulativeMs = [0];
    for (const d of delays) this.cumulativeMs.push(this.cumulativeMs.at(-1)! + d);
    this.loop = new PollLoop(() => this.tick(), {
      intervalMs: o.intervalMs ?? 500,
      log: o.log,
      name: "webhook",
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Sends every due notification now; returns how many were attempted. */
  async tick(): Promise<number> {
    const maxAgeMs = this.cumulativeMs.at(-1)! + 24 * 3600 * 1000;
    let total = 0;
    for (;;) {
      const n = await sendDueWebhooks(this.o.db, { cumulativeMs: this.cumulativeMs, maxAgeMs }, (row) =>
        this.send(row),
      );
      total += n;
      if (n < 20 || this.loop.isStopped) return total;
    }
  }

  private async send(row: NotificationRow): Promise<WebhookResult> {
    const body = JSON.stringify(webhookBody(row));
    const attempt = row.webhookAttempts + 1;
    const log = { notificationId: row.id, jobId: row.jobId, attempt };
    try {
      const res = await (this.o.fetch ?? fetch)(this.o.url, {
        method: "POST",
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
        headers: {
          "content-type": "application/json",
          "user-agent": "flywheel-workers-webhook/1",
          [SIGNATURE_HEADER]: signWebhook(this.o.secret, body),
          "X-Flywheel-Delivery": row.id,
          "X-Flywheel-Attempt": String(attempt),
        },
      });
      await res.body?.cancel().catch(() => {});
      if (res.ok) {
        this.o.log.info({ ...log, status: res.status }, "webhook delivered");
        return "delivered";
      }
      this.failed(log, `HTTP ${res.status}`);
    } catch (err) {
      const e = err as Error & { cause?: { message?: string } };
      this.failed(log, e.cause?.message ?? e.message);
    }
    return "failed";
  }

  private failed(log: { notificationId: string; attempt: number }, reason: string) {
    const last = log.attempt >= this.cumulativeMs.length;
    const nextInMs = last ? null : this.cumulativeMs[log.attempt]! - this.cumulativeMs[log.attempt - 1]!;
    if (last)
      this.o.log.error({ ...log, reason }, "webhook gave up: the app never accepted this notification");
    else this.o.log.warn({ ...log, reason, nextInMs }, "webhook attempt failed");
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
