// What a waiting job waits on (reason, key, until): set when a relay parks a queued or retrying job,
// cleared when it is woken or activated. No status change: the job stays queued (or retrying).
import { and, inArray, sql } from "drizzle-orm";
import type { Db } from "../../client.js";
import { jobs } from "../../schema.js";

export interface WaitingOn {
  reason: string;
  key: string;
  until?: Date | null;
}

/** What parking found: when the job began waiting (since its last attempt) and when it expires. */
export interface Marked {
  waitingSince: Date;
  expiresAt: Date | null;
}

/** Records what the job waits on; null when it is no longer queued or retrying. */
export async function markWaiting(db: Db, id: string, on: WaitingOn): Promise<Marked | null> {
  const rows = await db
    .update(jobs)
    .set({
      waitingReason: on.reason,
      waitingKey: on.key,
      waitingUntil: on.until ?? null,
      waitingSince: sql`coalesce(${jobs.waitingSince}, now())`,
      updatedAt: sql`now()`,
    })
    .where(and(inArray(jobs.id, [id]), inArray(jobs.status, ["queued", "retrying"])))
    .returning({ waitingSince: jobs.waitingSince, expiresAt: jobs.expiresAt });
  const row = rows[0];
  return row ? { waitingSince: row.waitingSince ?? new Date(), expiresAt: row.expiresAt } : null;
}

/** The jobs were woken: they wait on nothing any more. */
export async function clearWaiting(db: Db, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  await db
    .update(jobs)
    .set({ waitingReason: null, waitingKey: null, waitingUntil: null })
    .where(inArray(jobs.id, [...ids]));
}
