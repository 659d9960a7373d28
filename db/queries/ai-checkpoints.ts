// AI replies kept per (job, request key) as soon as they return, before they are validated or saved, so a
// later attempt of the same job reuses what was already paid for. Deleted when the job finishes.
import { and, eq } from "drizzle-orm";
import type { Db } from "../client.js";
import { aiCheckpoints } from "../schema.js";

export async function getCheckpoint<T>(db: Db, jobId: string, requestKey: string): Promise<T | null> {
  const [row] = await db
    .select({ reply: aiCheckpoints.reply })
    .from(aiCheckpoints)
    .where(and(eq(aiCheckpoints.jobId, jobId), eq(aiCheckpoints.requestKey, requestKey)))
    .limit(1);
  return row ? (row.reply as T) : null;
}

/** Keeps the first reply for the key: a concurrent delivery that paid too does not replace it. */
export async function putCheckpoint(
  db: Db,
  jobId: string,
  requestKey: string,
  reply: unknown,
): Promise<void> {
  await db.insert(aiCheckpoints).values({ jobId, requestKey, reply }).onConflictDoNothing();
}

export async function deleteCheckpoints(db: Db, jobId: string): Promise<void> {
  await db.delete(aiCheckpoints).where(eq(aiCheckpoints.jobId, jobId));
}
