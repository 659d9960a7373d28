// A source's health: a successful scrape resets the failure count and makes it healthy; each job that
// fails for good (onFailed) counts one failure, and the failure that reaches UNHEALTHY_AFTER flips it to
// unhealthy and notifies the owner once, in one transaction (row-locked UPDATE ... RETURNING).
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { contextItems, contextSources, notifications } from "../../db/schema.js";
import type { FailedJob, FailureContext } from "../kit/context.js";
import { newId } from "../kit/ids.js";

/** Consecutive failed scrape jobs after which a source is unhealthy and its owner is told. */
export const UNHEALTHY_AFTER = 5;

export async function markScrapeSuccess(
  db: Db,
  sourceId: string,
  now: Date,
  opts: { etag: string | null; lastModified: string | null; notModified: boolean; newItems: number },
): Promise<void> {
  const cs = contextSources;
  await db
    .update(cs)
    .set({
      health: "healthy",
      consecutiveFailures: 0,
      lastSuccessAt: now,
      lastScrapedAt: now,
      lastError: null,
      // A 304 may omit the validators: keep the stored ones then.
      etag: opts.notModified ? sql`coalesce(${opts.etag}, ${cs.etag})` : opts.etag,
      lastModified: opts.notModified
        ? sql`coalesce(${opts.lastModified}, ${cs.lastModified})`
        : opts.lastModified,
      lastItemAt: opts.newItems > 0 ? now : sql`${cs.lastItemAt}`,
      itemCount: sql`(select count(*)::int from ${contextItems} where ${contextItems.sourceId} = ${sourceId} and ${contextItems.goneAt} is null)`,
      updatedAt: now,
    })
    .where(eq(cs.id, sourceId));
}

export async function recordScrapeFailure(
  ctx: FailureContext,
  job: FailedJob<{ sourceId: string }>,
  threshold = UNHEALTHY_AFTER,
): Promise<void> {
  const cs = contextSources;
  const now = ctx.clock.now();
  const error = `${job.errorCode ? `${job.errorCode}: ` : ""}${job.errorMessage}`.slice(0, 2000);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(cs)
      .set({
        consecutiveFailures: sql`${cs.consecutiveFailures} + 1`,
        health: sql`case when ${cs.consecutiveFailures} + 1 >= ${threshold} then 'unhealthy' else ${cs.health} end`,
        lastFailureAt: now,
        lastScrapedAt: now,
        lastError: error,
        updatedAt: now,
      })
      .where(and(eq(cs.id, job.payload.sourceId), eq(cs.orgId, job.orgId)))
      .returning({
        orgId: cs.orgId,
        userId: cs.userId,
        url: cs.url,
        name: cs.name,
        failures: cs.consecutiveFailures,
      });
    if (!row) return;
    ctx.log.warn({ sourceId: job.payload.sourceId, failures: row.failures, error }, "scrape failed for good");
    // Exactly one notification per unhealthy spell: only the update that reached the threshold writes it.
    if (row.failures !== threshold) return;
    const label = row.name ?? row.url;
    await tx.insert(notifications).values({
      id: newId("ntf"),
      orgId: row.orgId,
      userId: row.userId,
      kind: "source_unhealthy",
      title: `Source unhealthy: ${label}`,
      message: `The last ${threshold} scrapes of ${row.url} failed (last error: ${error}). It stays unhealthy until a scrape succeeds.`,
      jobId: job.jobId,
      data: {
        sourceId: job.payload.sourceId,
        url: row.url,
        consecutiveFailures: row.failures,
        lastError: error,
      },
      createdAt: now,
    });
  });
}
