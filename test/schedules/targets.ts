// Rows the fan-out targets (context sources, social accounts) and reads of what it did, for schedule tests.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { contextSources, jobs, socialAccounts } from "../../db/schema.js";
import { newId } from "../../handlers/kit/ids.js";
import type { TestService } from "../helpers/service.js";

export async function addSource(
  db: Db,
  orgId: string,
  userId: string,
  over: Partial<typeof contextSources.$inferInsert> = {},
): Promise<string> {
  const id = newId("src");
  await db.insert(contextSources).values({
    id,
    orgId,
    userId,
    kind: "rss",
    url: `https://example.com/${id}.xml`,
    ...over,
  });
  return id;
}

export async function addAccount(
  db: Db,
  orgId: string,
  userId: string,
  status: "active" | "needs_reauth" = "active",
): Promise<string> {
  const id = newId("acc");
  await db.insert(socialAccounts).values({
    id,
    orgId,
    userId,
    platform: "x",
    externalAccountId: id,
    accessTokenEnc: "not-a-real-ciphertext",
    status,
  });
  return id;
}

export interface ScheduleView {
  jobType: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  lastRunAt: string | null;
  nextRunAt: string | null;
  lastSkippedAt: string | null;
  skippedCount: number;
  lastEnqueuedCount: number;
  source: "default" | "api" | "console";
  lastSyncedAt: string | null;
  syncError: string | null;
}

export async function schedules(t: TestService): Promise<ScheduleView[]> {
  const res = await t.api("/admin/schedules");
  return ((await res.json()) as { items: ScheduleView[] }).items;
}

export async function scheduleOf(t: TestService, jobType: string): Promise<ScheduleView> {
  const s = (await schedules(t)).find((x) => x.jobType === jobType);
  if (!s) throw new Error(`no schedule ${jobType}`);
  return s;
}

/** Jobs created for one target (by dedup key), oldest first. */
export async function jobsFor(db: Db, dedupKey: string) {
  return db.select().from(jobs).where(eq(jobs.dedupKey, dedupKey)).orderBy(jobs.createdAt);
}

export async function liveJobsFor(db: Db, dedupKey: string) {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.dedupKey, dedupKey), sql`${jobs.status} in ('queued', 'active', 'retrying')`));
}
