// The notifications outbox seen by the webhook sender: rows not yet accepted by the app's webhook whose
// next attempt is due (attempt n is due `cumulativeMs[n]` after the row was created), claimed skip-locked.
import { and, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { notifications } from "../schema.js";
import type { NotificationRow } from "./notifications.js";

export type WebhookResult = "delivered" | "failed";

/**
 * Claims up to `limit` due rows in one transaction, calls `send` for each, and records the attempt: a
 * delivered row gets `webhook_delivered_at` and is never sent again; a failed one waits for its next slot.
 * Returns how many rows were attempted.
 */
export async function sendDueWebhooks(
  db: Db,
  opts: { cumulativeMs: readonly number[]; maxAgeMs: number; limit?: number },
  send: (row: NotificationRow) => Promise<WebhookResult>,
): Promise<number> {
  const max = opts.cumulativeMs.length;
  const schedule = sql.raw(
    `array[${opts.cumulativeMs.map((n) => Math.max(0, Math.round(n))).join(",")}]::bigint[]`,
  );
  return db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(notifications)
      .where(
        and(
          isNull(notifications.webhookDeliveredAt),
          lt(notifications.webhookAttempts, max),
          sql`${notifications.createdAt} > now() - ${opts.maxAgeMs} * interval '1 millisecond'`,
          sql`${notifications.createdAt} + (${schedule})[${notifications.webhookAttempts} + 1] * interval '1 millisecond' <= now()`,
        ),
      )
      .orderBy(notifications.createdAt)
      .limit(opts.limit ?? 20)
      .for("update", { skipLocked: true });
    for (const row of rows) {
      const result = await send(row);
      await tx
        .update(notifications)
        .set({
          webhookAttempts: sql`${notifications.webhookAttempts} + 1`,
          ...(result === "delivered" ? { webhookDeliveredAt: sql`now()` } : {}),
        })
        .where(sql`${notifications.id} = ${row.id}`);
    }
    return rows.length;
  });
}
