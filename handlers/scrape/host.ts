// What a scrape needs outside (its source's host), for the relay's per-host politeness and the host's
// circuit breaker: read before the job starts, so a job that must wait for its host spends no attempt.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { contextSources } from "../../db/schema.js";
import type { JobNeeds } from "../kit/define.js";

export async function scrapeNeeds(ctx: { db: Db }, payload: { sourceId: string }): Promise<JobNeeds | null> {
  const host = await scrapeHost(ctx, payload);
  return host ? { host, dependency: `host:${host}` } : null;
}

async function scrapeHost(ctx: { db: Db }, payload: { sourceId: string }): Promise<string | null> {
  const [row] = await ctx.db
    .select({ url: contextSources.url })
    .from(contextSources)
    .where(eq(contextSources.id, payload.sourceId))
    .limit(1);
  if (!row) return null;
  try {
    return new URL(row.url).host.toLowerCase();
  } catch {
    return null;
  }
}
