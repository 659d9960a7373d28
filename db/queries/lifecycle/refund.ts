// The refundAttempt transition: attempts a dependency's outage took are given back once its circuit
// breaker opens (the failures that opened it were the outage's, not the job's). Only a job still waiting
// for its retry (retrying) is changed; one already running again keeps its count.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../client.js";
import { jobs } from "../../schema.js";
import type { JobRow } from "../jobs.js";

/** Gives `n` attempts back to a retrying job (never below 0); null when it is not retrying. */
export async function refundAttempts(db: Db, id: string, n: number): Promise<JobRow | null> {
  const [row] = await db
    .update(jobs)
    .set({ attempts: sql`greatest(${jobs.attempts} - ${n}, 0)`, updatedAt: sql`now()` })
    .where(and(eq(jobs.id, id), eq(jobs.status, "retrying")))
    .returning();
  return row ?? null;
}
