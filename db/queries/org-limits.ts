// Per-organization limits (org_limits): one row per organization, every field nullable (null = the default).
// The admin API and CLI write them; flow control reads maxActive/enqueuePerMinute/hard, content generation the budgets.
import { eq } from "drizzle-orm";
import type { Db } from "../client.js";
import { organizations, orgLimits } from "../schema.js";

export interface OrgLimits {
  maxActive: number | null;
  enqueuePerMinute: number | null;
  hard: boolean | null;
  aiBudgetUsd: number | null;
  aiSoftBudgetUsd: number | null;
  updatedAt: Date | null;
}

/** What an organization without a row has: every limit at its default. */
export const DEFAULT_LIMITS: OrgLimits = {
  maxActive: null,
  enqueuePerMinute: null,
  hard: null,
  aiBudgetUsd: null,
  aiSoftBudgetUsd: null,
  updatedAt: null,
};

/** The organization's limits, defaults when it has no row; null when the organization does not exist. */
export async function getOrgLimits(db: Db, orgId: string): Promise<OrgLimits | null> {
  const [row] = await db
    .select({ org: organizations.id, limits: orgLimits })
    .from(organizations)
    .leftJoin(orgLimits, eq(orgLimits.orgId, organizations.id))
    .where(eq(organizations.id, orgId))
    .limit(1);
  if (!row) return null;
  if (!row.limits) return DEFAULT_LIMITS;
  const { orgId: _id, ...limits } = row.limits;
  return limits;
}

/** The limits of `orgId` for a handler (defaults when no row or no organization). */
export async function limitsFor(db: Db, orgId: string): Promise<OrgLimits> {
  const [row] = await db.select().from(orgLimits).where(eq(orgLimits.orgId, orgId)).limit(1);
  if (!row) return DEFAULT_LIMITS;
  const { orgId: _id, ...limits } = row;
  return limits;
}

/** Sets the given fields (absent: unchanged, null: back to the default); null when the organization does not exist. */
export async function putOrgLimits(
  db: Db,
  orgId: string,
  patch: Partial<Omit<OrgLimits, "updatedAt">>,
): Promise<OrgLimits | null> {
  const [org] = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.id, orgId))
    .limit(1);
  if (!org) return null;
  const set = { ...patch, updatedAt: new Date() };
  await db
    .insert(orgLimits)
    .values({ orgId, ...set })
    .onConflictDoUpdate({ target: orgLimits.orgId, set });
  return getOrgLimits(db, orgId);
}
