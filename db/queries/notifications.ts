// Notifications are an outbox: the relay and handlers insert rows; the notifier delivers each once.
import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { newId } from "../../handlers/kit/ids.js";
import type { Db } from "../client.js";
import { notifications } from "../schema.js";

export type NotificationRow = typeof notifications.$inferSelect;

export interface NewNotification {
  orgId: string;
  userId: string;
  kind: string;
  title: string;
  message: string;
  jobId?: string | null;
  data?: unknown;
}

export async function insertNotification(db: Db, n: NewNotification): Promise<NotificationRow> {
  const [row] = await db
    .insert(notifications)
    .values({ id: newId("ntf"), ...n, jobId: n.jobId ?? null, data: n.data ?? null })
    .returning();
  return row!;
}

/**
 * The relay's "job failed" notification: at most one per job (a partial unique index), so two relays that
 * handle the same failure at once write one. Returns false when it was there already.
 */
export async function insertJobFailedNotification(
  db: Db,
  n: Omit<NewNotification, "kind" | "jobId"> & { jobId: string },
): Promise<boolean> {
  const rows = await db
    .insert(notifications)
    .values({ id: newId("ntf"), ...n, kind: "job_failed", data: n.data ?? null })
    .onConflictDoNothing({ target: notifications.jobId, where: sql`kind = 'job_failed'` })
    .returning({ id: notifications.id });
  return rows.length > 0;
}

/** Whether a handler already told the user about this job (then the relay adds no generic one). */
export async function jobHasNotification(db: Db, jobId: string): Promise<boolean> {
  const rows = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(eq(notifications.jobId, jobId))
    .limit(1);
  return rows.length > 0;
}

export async function listNotifications(
  db: Db,
  f: {
    orgId: string;
    userId?: string;
    unread?: boolean;
    limit: number;
    cursor?: { createdAt: Date; id: string };
  },
): Promise<NotificationRow[]> {
  const conds = [eq(notifications.orgId, f.orgId)];
  if (f.userId) conds.push(eq(notifications.userId, f.userId));
  if (f.unread) conds.push(isNull(notifications.readAt));
  if (f.cursor) {
    const c = or(
      lt(notifications.createdAt, f.cursor.createdAt),
      and(eq(notifications.createdAt, f.cursor.createdAt), lt(notifications.id, f.cursor.id)),
    );
    if (c) conds.push(c);
  }
  return db
    .select()
    .from(notifications)
    .where(and(...conds))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(f.limit);
}

export async function markRead(db: Db, orgId: string, id: string): Promise<NotificationRow | null> {
  const [row] = await db
    .update(notifications)
    .set({ readAt: sql`coalesce(read_at, now())` })
    .where(and(eq(notifications.id, id), eq(notifications.orgId, orgId)))
    .returning();
  return row ?? null;
}

/**
 * Delivers up to `limit` undelivered rows: claims them (skip-locked, so several notifiers never take the
 * same row), calls `deliver` for each, and marks them delivered in the same transaction, so a failed
 * delivery leaves them for the next round and a delivered one is never sent again.
 */
export async function deliverUndelivered(
  db: Db,
  deliver: (rows: NotificationRow[]) => Promise<void>,
  limit = 100,
): Promise<number> {
  // A plain indexed read first: an idle poll must not open a transaction (and keep serverless Postgres awake).
  const pending = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(isNull(notifications.deliveredAt))
    .limit(1);
  if (pending.length === 0) return 0;
  return db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(notifications)
      .where(isNull(notifications.deliveredAt))
      .orderBy(notifications.createdAt)
      .limit(limit)
      .for("update", { skipLocked: true });
    if (rows.length === 0) return 0;
    await deliver(rows);
    await tx
      .update(notifications)
      .set({ deliveredAt: sql`now()` })
      .where(
        sql`${notifications.id} in (${sql.join(
          rows.map((r) => sql`${r.id}`),
          sql`, `,
        )})`,
      );
    return rows.length;
  });
}
