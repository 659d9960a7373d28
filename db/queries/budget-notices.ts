// The soft-budget notice: one notification per user of the organization (outbox rows, as the relay writes),
// of which only the first goes to the app's webhook, so the webhook gets one event per organization and month.
import { eq, sql } from "drizzle-orm";
import { newId } from "../../handlers/kit/ids.js";
import type { Db } from "../client.js";
import { jobs, notifications } from "../schema.js";

/** The users the organization has run jobs for (most recent first), plus `alsoUserId`. */
export async function orgUserIds(db: Db, orgId: string, alsoUserId: string, limit = 1000): Promise<string[]> {
  const rows = await db
    .select({ userId: jobs.userId })
    .from(jobs)
    .where(eq(jobs.orgId, orgId))
    .groupBy(jobs.userId)
    .orderBy(sql`max(${jobs.createdAt}) desc`)
    .limit(limit);
  return [...new Set([alsoUserId, ...rows.map((r) => r.userId)])];
}

export async function insertBudgetNotices(
  db: Db,
  n: {
    orgId: string;
    userIds: readonly string[];
    kind: string;
    title: string;
    message: string;
    data: unknown;
  },
): Promise<void> {
  if (n.userIds.length === 0) return;
  await db.insert(notifications).values(
    n.userIds.map((userId, i) => ({
      id: newId("ntf"),
      orgId: n.orgId,
      userId,
      kind: n.kind,
      title: n.title,
      message: n.message,
      data: n.data,
      // Only the first row is the webhook's event; the others are for each user's SSE stream and inbox.
      webhookDeliveredAt: i === 0 ? null : new Date(),
      webhookNextAt: i === 0 ? new Date() : null,
    })),
  );
}
