// Monthly AI spend per organization (ai_budget_spend): a call reserves its worst-case cost with one
// conditional upsert (so racing jobs can never reserve past the budget together), then settles to the actual.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { aiBudgetSpend } from "../schema.js";

/** The UTC month a spend counts in, `YYYY-MM`. */
export const budgetMonth = (at: Date): string => at.toISOString().slice(0, 7);

/**
 * Reserves `amountUsd` when settled spend + open reservations + it stay within `budgetUsd`; false otherwise
 * (nothing reserved). One statement: Postgres re-checks the condition on the locked row under contention.
 */
export async function reserveBudget(
  db: Db,
  o: { orgId: string; month: string; amountUsd: number; budgetUsd: number },
): Promise<boolean> {
  if (o.amountUsd > o.budgetUsd) return false;
  const rows = await db
    .insert(aiBudgetSpend)
    .values({ orgId: o.orgId, month: o.month, reservedUsd: o.amountUsd })
    .onConflictDoUpdate({
      target: [aiBudgetSpend.orgId, aiBudgetSpend.month],
      set: { reservedUsd: sql`${aiBudgetSpend.reservedUsd} + excluded.reserved_usd` },
      setWhere: sql`${aiBudgetSpend.spentUsd} + ${aiBudgetSpend.reservedUsd} + excluded.reserved_usd <= ${o.budgetUsd}`,
    })
    .returning({ orgId: aiBudgetSpend.orgId });
  return rows.length > 0;
}

/** Releases a reservation and books the actual cost (also without a reservation: no budget set). Returns the month's spend. */
export async function settleBudget(
  db: Db,
  o: { orgId: string; month: string; reservedUsd: number; actualUsd: number },
): Promise<number> {
  const [row] = await db
    .insert(aiBudgetSpend)
    .values({ orgId: o.orgId, month: o.month, spentUsd: o.actualUsd })
    .onConflictDoUpdate({
      target: [aiBudgetSpend.orgId, aiBudgetSpend.month],
      set: {
        spentUsd: sql`${aiBudgetSpend.spentUsd} + ${o.actualUsd}`,
        reservedUsd: sql`greatest(0, ${aiBudgetSpend.reservedUsd} - ${o.reservedUsd})`,
      },
    })
    .returning({ spentUsd: aiBudgetSpend.spentUsd });
  return row?.spentUsd ?? 0;
}

/** True exactly once per organization and month, for the caller that crossed the soft budget first. */
export async function claimSoftBudgetNotice(
  db: Db,
  o: { orgId: string; month: string; softBudgetUsd: number },
): Promise<boolean> {
  const rows = await db
    .update(aiBudgetSpend)
    .set({ softNotifiedAt: sql`now()` })
    .where(
      and(
        eq(aiBudgetSpend.orgId, o.orgId),
        eq(aiBudgetSpend.month, o.month),
        isNull(aiBudgetSpend.softNotifiedAt),
        sql`${aiBudgetSpend.spentUsd} >= ${o.softBudgetUsd}`,
      ),
    )
    .returning({ orgId: aiBudgetSpend.orgId });
  return rows.length > 0;
}

export async function monthSpend(
  db: Db,
  orgId: string,
  month: string,
): Promise<{ spentUsd: number; reservedUsd: number }> {
  const [row] = await db
    .select({ spentUsd: aiBudgetSpend.spentUsd, reservedUsd: aiBudgetSpend.reservedUsd })
    .from(aiBudgetSpend)
    .where(and(eq(aiBudgetSpend.orgId, orgId), eq(aiBudgetSpend.month, month)))
    .limit(1);
  return row ?? { spentUsd: 0, reservedUsd: 0 };
}
