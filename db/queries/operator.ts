// Queries only the operator CLI needs (they cross organizations on purpose).
import { and, eq, gte } from "drizzle-orm";
import type { Db } from "../client.js";
import { apiKeys, jobs } from "../schema.js";
import type { JobRow } from "./jobs.js";

/** Failed jobs of one type that finished at or after `since`, oldest first. */
export async function failedJobsSince(
  db: Db,
  f: { type: string; since: Date; orgId?: string; limit?: number },
): Promise<JobRow[]> {
  const conds = [eq(jobs.status, "failed"), eq(jobs.type, f.type), gte(jobs.finishedAt, f.since)];
  if (f.orgId) conds.push(eq(jobs.orgId, f.orgId));
  return db
    .select()
    .from(jobs)
    .where(and(...conds))
    .orderBy(jobs.finishedAt)
    .limit(f.limit ?? 10_000);
}

/** An API key's row without its hash (to say which organization a revoked key belonged to). */
export async function getApiKey(db: Db, id: string) {
  const [row] = await db
    .select({ id: apiKeys.id, orgId: apiKeys.orgId, name: apiKeys.name, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.id, id));
  return row ?? null;
}
