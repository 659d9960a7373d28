// The scrape schedule: every 6 hours by default, one job per enabled source that is healthy, never
// scraped, or unhealthy but not tried for a day (so it can recover). Sources of a deleted organization
// are left out (jobs reference organizations).
import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import { contextSources, organizations } from "../../db/schema.js";
import type { JobSchedule } from "../kit/define.js";
import { pagedById } from "../kit/paged.js";

/** An unhealthy source is still tried this often, so it can recover. @default 24 h */
export const UNHEALTHY_RETRY_MS = 24 * 3600 * 1000;

/** One live scrape per source, whoever asks (the schedule or POST /v1/context-sources/:id/scrape). */
export const scrapeDedupKey = (payload: { sourceId: string }) => `scrape:${payload.sourceId}`;

export const scrapeSchedule: JobSchedule<{ sourceId: string }> = {
  defaultCron: "0 */6 * * *",
  async *targets({ db }, now) {
    const cs = contextSources;
    const dayAgo = new Date(now.getTime() - UNHEALTHY_RETRY_MS);
    const pages = pagedById((after, limit) =>
      db
        .select({ id: cs.id, orgId: cs.orgId, userId: cs.userId })
        .from(cs)
        .innerJoin(organizations, eq(organizations.id, cs.orgId))
        .where(
          and(
            eq(cs.enabled, true),
            or(eq(cs.health, "healthy"), isNull(cs.lastScrapedAt), lt(cs.lastScrapedAt, dayAgo)),
            after ? gt(cs.id, after) : undefined,
          ),
        )
        .orderBy(cs.id)
        .limit(limit),
    );
    for await (const rows of pages)
      yield rows.map((r) => ({
        orgId: r.orgId,
        userId: r.userId,
        dedupKey: scrapeDedupKey({ sourceId: r.id }),
        payload: { sourceId: r.id },
      }));
  },
};
