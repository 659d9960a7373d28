// The analytics schedule: hourly by default, one job per active social account (an account that needs
// re-authorization is left out until its owner reconnects it). Accounts of a deleted organization too.
import { and, eq, gt } from "drizzle-orm";
import { organizations, socialAccounts } from "../../db/schema.js";
import type { JobSchedule } from "../kit/define.js";
import { pagedById } from "../kit/paged.js";
import type { AnalyticsSyncPayload } from "./sync.js";

/** One live sync per account. */
export const analyticsDedupKey = (payload: AnalyticsSyncPayload) =>
  `analytics-sync:${payload.socialAccountId}`;

export const analyticsSchedule: JobSchedule<AnalyticsSyncPayload> = {
  defaultCron: "0 * * * *",
  async *targets({ db }) {
    const sa = socialAccounts;
    const pages = pagedById((after, limit) =>
      db
        .select({ id: sa.id, orgId: sa.orgId, userId: sa.userId })
        .from(sa)
        .innerJoin(organizations, eq(organizations.id, sa.orgId))
        .where(and(eq(sa.status, "active"), after ? gt(sa.id, after) : undefined))
        .orderBy(sa.id)
        .limit(limit),
    );
    for await (const rows of pages)
      yield rows.map((r) => ({
        orgId: r.orgId,
        userId: r.userId,
        dedupKey: analyticsDedupKey({ socialAccountId: r.id }),
        payload: { socialAccountId: r.id },
      }));
  },
};
