// The notifications outbox seen by the webhook sender: rows the app's webhook has not accepted whose
// `webhook_next_at` has come. A claim leases rows (attempt counted, next_at pushed past the request's
// deadline) in one short statement, so no transaction stays open while the app is called; the outcome
// then either records the delivery or sets the wait before the next attempt, counted from this one.
import { sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { notifications } from "../schema.js";
import type { NotificationRow } from "./notifications.js";
import { mapRow, rowsOf } from "./rows.js";

/**
 * Leases up to `limit` due rows (longest due first; rows leased by another sender are skipped) for `leaseMs`
 * and counts the attempt. Rows past `maxAttempts` or older than `maxAgeMs` are left alone.
 */
export async function claimDueWebhooks(
  db: Db,
  opts: { maxAttempts: number; maxAgeMs: number; leaseMs: number; limit?: number },
): Promise<NotificationRow[]> {
  const res = await db.execute(sql`
    update notifications n
    set webhook_attempts = n.webhook_attempts + 1,
      webhook_next_at = now() + ${opts.leaseMs} * interval '1 millisecond'
    where n.id in (
      select id from notifications
      where webhook_delivered_at is null and webhook_next_at <= now()
        and webhook_attempts < ${opts.maxAttempts}
        and created_at > now() - ${opts.maxAgeMs} * interval '1 millisecond'
      order by webhook_next_at
      limit ${opts.limit ?? 20}
      for update skip locked
    )
    returning n.*`);
  return rowsOf(res).map((raw) => mapRow(notifications, raw));
}

export interface WebhookOutcome {
  id: string;
  /** The attempt this outcome is for (the row's `webhookAttempts` after the claim). */
  attempt: number;
  delivered: boolean;
  /** After a failure: the wait before the next attempt, or null when this was the last one. */
  nextInMs: number | null;
}

/** Records the outcomes of claimed rows; a row claimed again meanwhile (its lease ran out) is left as is. */
export async function recordWebhookOutcomes(db: Db, outcomes: readonly WebhookOutcome[]): Promise<void> {
  if (!outcomes.length) return;
  const rows = outcomes.map((o) => ({
    id: o.id,
    attempt: o.attempt,
    delivered: o.delivered,
    next_in_ms: o.nextInMs,
  }));
  await db.execute(sql`
    update notifications n
    set webhook_delivered_at = case when v.delivered then now() end,
      webhook_next_at = case when v.delivered or v.next_in_ms is null then null
        else now() + v.next_in_ms * interval '1 millisecond' end
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as v(id text, attempt int, delivered boolean, next_in_ms bigint)
    where n.id = v.id and n.webhook_attempts = v.attempt and n.webhook_delivered_at is null`);
}
