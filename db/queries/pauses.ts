// Operator pauses (POST/GET/DELETE /admin/pauses, CLI pause/resume/pauses).
import { eq } from "drizzle-orm";
import type { Db } from "../client.js";
import { pauses } from "../schema.js";

export type PauseRow = typeof pauses.$inferSelect;

export async function insertPause(db: Db, row: typeof pauses.$inferInsert): Promise<PauseRow> {
  const [inserted] = await db.insert(pauses).values(row).returning();
  return inserted!;
}

export function listPauses(db: Db): Promise<PauseRow[]> {
  return db.select().from(pauses).orderBy(pauses.createdAt);
}

/** The deleted pause, or null when there was none with that id. */
export async function deletePause(db: Db, id: string): Promise<PauseRow | null> {
  const [row] = await db.delete(pauses).where(eq(pauses.id, id)).returning();
  return row ?? null;
}
