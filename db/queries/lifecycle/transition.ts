// The single-job transitions of the API and the CLI (cancel, request a cancel, retry by hand, undo a
// retry whose queue add failed), one conditional UPDATE each, and the rollback of an enqueue.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../client.js";
import { type JobStatus, jobs } from "../../schema.js";
import type { JobRow, NewJobRow } from "../jobs.js";

/** The columns a transition may set besides the status (ids and the payload never change). */
export type TransitionSet = Omit<
  Partial<NewJobRow>,
  "id" | "orgId" | "userId" | "type" | "payload" | "status"
>;

/**
 * Moves a job from one of `from` to `to`, setting `set`; returns the updated row, or null when it was not
 * in `from` (or not in `orgId`).
 */
export async function transitionJob(
  db: Db,
  id: string,
  from: readonly JobStatus[],
  to: JobStatus,
  set: TransitionSet,
  orgId?: string,
): Promise<JobRow | null> {
  const where = [eq(jobs.id, id), inArray(jobs.status, [...from])];
  if (orgId) where.push(eq(jobs.orgId, orgId));
  const [row] = await db
    .update(jobs)
    .set({ ...set, status: to, updatedAt: sql`now()` })
    .where(and(...where))
    .returning();
  return row ?? null;
}

/** Deletes the jobs of `ids` still queued (an enqueue rolled back); returns the ids deleted. */
export async function deleteQueuedJobs(db: Db, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db
    .delete(jobs)
    .where(and(inArray(jobs.id, [...ids]), eq(jobs.status, "queued")))
    .returning({ id: jobs.id });
  return rows.map((r) => r.id);
}
