// AI usage (ai_usage): one row per AI call with its tokens and estimated cost, summed per day and model for
// GET /v1/usage and GET /admin/usage.
import { and, eq, gte, lt, sql } from "drizzle-orm";
import { newId } from "../../handlers/kit/ids.js";
import type { Db } from "../client.js";
import { aiUsage } from "../schema.js";

export type NewAiUsage = Omit<typeof aiUsage.$inferInsert, "id" | "createdAt"> & { createdAt?: Date };

export async function recordAiUsage(db: Db, row: NewAiUsage): Promise<void> {
  await db.insert(aiUsage).values({ id: newId("aiu"), ...row });
}

export interface UsageRow {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  model: string;
  calls: number;
  jobs: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** Usage per UTC day and model in [from, to), oldest day first. */
export async function usageByDay(
  db: Db,
  f: { orgId: string; userId?: string; from: Date; to: Date },
): Promise<UsageRow[]> {
  const day = sql<string>`to_char(${aiUsage.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  const rows = await db
    .select({
      day,
      model: aiUsage.model,
      calls: sql<number>`count(*)::int`,
      jobs: sql<number>`count(distinct ${aiUsage.jobId})::int`,
      promptTokens: sql<number>`coalesce(sum(${aiUsage.promptTokens}), 0)::int`,
      completionTokens: sql<number>`coalesce(sum(${aiUsage.completionTokens}), 0)::int`,
      costUsd: sql<number>`coalesce(sum(${aiUsage.costUsd}), 0)::float8`,
    })
    .from(aiUsage)
    .where(
      and(
        eq(aiUsage.orgId, f.orgId),
        f.userId ? eq(aiUsage.userId, f.userId) : undefined,
        gte(aiUsage.createdAt, f.from),
        lt(aiUsage.createdAt, f.to),
      ),
    )
    .groupBy(day, aiUsage.model)
    .orderBy(day, aiUsage.model);
  return rows.map((r) => ({ ...r, costUsd: Number(r.costUsd) }));
}
