// What a scheduled type fans out to: one job per target, with a dedup key per target (ARCHITECTURE), so
// a target whose previous job is still queued, active or retrying is skipped. Looked up by type, no switch.
// Targets of an organization that no longer exists are left out (jobs reference organizations).
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { contextSources, organizations, socialAccounts } from "../../db/schema.js";

export interface Target {
  orgId: string;
  userId: string;
  dedupKey: string;
  payload: Record<string, unknown>;
}

export interface TargetProvider {
  /** The default cron the schedule is seeded with (5 fields). */
  defaultCron: string;
  list(db: Db, now: Date): Promise<Target[]>;
}

/** An unhealthy source is still tried this often, so it can recover. @default 24 h */
export const UNHEALTHY_RETRY_MS = 24 * 3600 * 1000;

const scrape: TargetProvider = {
  defaultCron: "0 */6 * * *",
  async list(db, now) {
    const cs = contextSources;
    const dayAgo = new Date(now.getTime() - UNHEALTHY_RETRY_MS);
    const rows = await db
      .select({ id: cs.id, orgId: cs.orgId, userId: cs.userId })
      .from(cs)
      .innerJoin(organizations, eq(organizations.id, cs.orgId))
      .where(
        and(
          eq(cs.enabled, true),
          or(eq(cs.health, "healthy"), isNull(cs.lastScrapedAt), lt(cs.lastScrapedAt, dayAgo)),
        ),
      )
      .orderBy(cs.id);
    return rows.map((r) => ({
      orgId: r.orgId,
      userId: r.userId,
      dedupKey: `scrape:${r.id}`,
      payload: { sourceId: r.id },
    }));
  },
};

const analyticsSync: TargetProvider = {
  defaultCron: "0 * * * *",
  async list(db) {
    const sa = socialAccounts;
    const rows = await db
      .select({ id: sa.id, orgId: sa.orgId, userId: sa.userId })
      .from(sa)
      .innerJoin(organizations, eq(organizations.id, sa.orgId))
      .where(eq(sa.status, "active"))
      .orderBy(sa.id);
    return rows.map((r) => ({
      orgId: r.orgId,
      userId: r.userId,
      dedupKey: `analytics-sync:${r.id}`,
      payload: { socialAccountId: r.id },
    }));
  },
};

/** Scheduled job types and their targets. */
export const targetProviders: Readonly<Record<string, TargetProvider>> = Object.freeze({
  scrape,
  "analytics-sync": analyticsSync,
});

export function scheduledTypes(): string[] {
  return Object.keys(targetProviders);
}

export function defaultSchedules(): { jobType: string; cron: string }[] {
  return Object.entries(targetProviders).map(([jobType, p]) => ({ jobType, cron: p.defaultCron }));
}
