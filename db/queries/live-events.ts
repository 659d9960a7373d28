// Live job events written by handlers (drafts, progress): an outbox in Postgres, so handlers stay portable
// (Node and workerd). The notifier publishes each row once to the event stream, in order, then deletes it.
import { asc, inArray } from "drizzle-orm";
import { newId } from "../../handlers/kit/ids.js";
import type { Db } from "../client.js";
import { liveEvents } from "../schema.js";

export type LiveEventRow = typeof liveEvents.$inferSelect;
export type NewLiveEvent = Pick<LiveEventRow, "orgId" | "userId" | "jobId" | "kind" | "data" | "seq">;

export async function insertLiveEvents(db: Db, rows: readonly NewLiveEvent[], at: Date): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(liveEvents).values(rows.map((r) => ({ id: newId("lev"), ...r, createdAt: at })));
}

/** Claims up to `limit` rows (skip-locked), hands them to `publish` in order, and deletes them; returns how many. */
export async function publishLiveEvents(
  db: Db,
  publish: (rows: LiveEventRow[]) => Promise<void>,
  limit = 500,
): Promise<number> {
  const pending = await db.select({ id: liveEvents.id }).from(liveEvents).limit(1);
  if (pending.length === 0) return 0;
  return db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(liveEvents)
      .orderBy(asc(liveEvents.createdAt), asc(liveEvents.jobId), asc(liveEvents.seq))
      .limit(limit)
      .for("update", { skipLocked: true });
    if (rows.length === 0) return 0;
    await publish(rows);
    await tx.delete(liveEvents).where(
      inArray(
        liveEvents.id,
        rows.map((r) => r.id),
      ),
    );
    return rows.length;
  });
}
