// The app's webhook (NOTIFY_WEBHOOK_URL): every notification is POSTed once, signed (webhook-signature.ts),
// retried with backoff until a 2xx, each wait counted from the failed attempt. Runs beside the SSE notifier
// on the relay role; several may run: due rows are leased skip-locked for the request's deadline (no
// transaction open while the app is called) and each accepted delivery is recorded, so it is never sent
// twice. A sender killed mid-request leaves a lease that runs out, and the row is tried again.
import type { Db } from "../../db/client.js";
import type { NotificationRow } from "../../db/queries/notifications.js";
import { SYSTEM_ORG_ID } from "../../db/queries/operator-events.js";
import { claimDueWebhooks, recordWebhookOutcomes, type WebhookOutcome } from "../../db/queries/webhooks.js";
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

/**
 * The JSON body the app receives. `id` is the notification's id: stable across retries, use it to dedup.
 * An operator event (`_system` organization, e.g. `breaker.opened`) names itself in `event`.
 */
export function webhookBody(row: NotificationRow) {
  return {
    id: row.id,
    event: row.orgId === SYSTEM_ORG_ID ? row.kind : "notification",
    orgId: row.orgId,
    notification: notificationView(row),
  };
}

/** A leased row outlives its request's deadline by this much before another sender may take it. */
const LEASE_MARGIN_MS = 30_000;

export class WebhookSender {
  private readonly loop: PollLoop;
  private readonly delays: readonly number[];

  constructor(private readonly o: WebhookOptions) {
    this.delays = o.retryDelaysMs ?? DEFAULT_WEBHOOK_DELAYS_MS;
    this.loop = new PollLoop(() => this.tick(), {
      intervalMs: o.intervalMs ?? 500,
      log: o.log,
      name: "webhook",
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Sends every due notification now (up to 20 requests at a time); returns how many were attempted. */
  async tick(): Promise<number> {
    const claim = {
      maxAttempts: 1 + this.delays.length,
      // Older rows are not sent any more: the whole schedule plus a day for an outage.
      maxAgeMs: this.delays.reduce((a, b) => a + b, 0) + 24 * 3600 * 1000,
      leaseMs: (this.o.timeoutMs ?? 10_000) + LEASE_MARGIN_MS,
      limit: 20,
    };
    let total = 0;
    for (;;) {
      const rows = await claimDueWebhooks(this.o.db, claim);
      const outcomes = await Promise.all(rows.map((row) => this.send(row)));
      await recordWebhookOutcomes(this.o.db, outcomes);
      total += rows.length;
      if (rows.length < claim.limit || this.loop.isStopped) return total;
    }
  }

  /** The row as claimed: `webhookAttempts` already counts this attempt. */
  private async send(row: NotificationRow): Promise<WebhookOutcome> {
    const body = JSON.stringify(webhookBody(row));
    const attempt = row.webhookAttempts;
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
        return { id: row.id, attempt, delivered: true, nextInMs: null };
      }
      return this.failed(log, `HTTP ${res.status}`);
    } catch (err) {
      const e = err as Error & { cause?: { message?: string } };
      return this.failed(log, e.cause?.message ?? e.message);
    }
  }

  private failed(log: { notificationId: string; attempt: number }, reason: string): WebhookOutcome {
    const nextInMs = this.delays[log.attempt - 1] ?? null;
    if (nextInMs === null)
      this.o.log.error({ ...log, reason }, "webhook gave up: the app never accepted this notification");
    else this.o.log.warn({ ...log, reason, nextInMs }, "webhook attempt failed");
    return { id: log.notificationId, attempt: log.attempt, delivered: false, nextInMs };
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
