// One analytics sync: an account's tracked posts → the platform's metrics → one snapshot per post for this
// job → the user's insights. A platform's rate-limit signal is reported as a quota key (rate-limits.ts): the
// relay then holds every sync sharing that limit until its reset, without calling the platform.
import { and, eq } from "drizzle-orm";
import { socialAccounts } from "../../db/schema.js";
import type { HandlerContext, JobEnvelope } from "../kit/context.js";
import { PermanentError, RateLimitedError, RetryableError } from "../kit/errors.js";
import { PLATFORMS, type Platform } from "../kit/platforms.js";
import { reportQuota } from "../kit/quota.js";
import { recomputeInsights } from "./insights.js";
import { loadTrackedPosts, writeSnapshots } from "./metrics.js";
import { PlatformRateLimitError } from "./platforms/errors.js";
import { platformClient } from "./platforms/index.js";
import type { RawMetrics } from "./platforms/types.js";
import { accountQuotaKey, rateLimitQuota } from "./rate-limits.js";
import { createTokenCipher, TokenDecryptError } from "./token-crypto.js";
import { withFreshToken } from "./token-refresh.js";

export interface AnalyticsSyncPayload {
  socialAccountId: string;
}

export async function runAnalyticsSync(ctx: HandlerContext, job: JobEnvelope<AnalyticsSyncPayload>) {
  const { db, kv, clock, log } = ctx;
  const [account] = await db
    .select()
    .from(socialAccounts)
    .where(and(eq(socialAccounts.id, job.payload.socialAccountId), eq(socialAccounts.orgId, job.orgId)));
  if (!account)
    throw new PermanentError(
      "social_account_not_found",
      `social account ${job.payload.socialAccountId} not found`,
    );
  if (!PLATFORMS.includes(account.platform as Platform)) {
    throw new PermanentError("unsupported_platform", `platform ${account.platform} is not supported`);
  }
  const platform = account.platform as Platform;
  // Flagged accounts are skipped (not failed) until the user reconnects: scheduled syncs must not spam failures.
  if (account.status === "needs_reauth")
    return { socialAccountId: account.id, platform, skipped: "needs_reauth" };

  const tracked = await loadTrackedPosts(db, account.id);
  const cipher = createTokenCipher(ctx.config.TOKEN_ENCRYPTION_KEYS);
  const pressure: PlatformRateLimitError[] = [];
  const client = platformClient(platform, {
    fetch: ctx.fetch,
    config: ctx.config,
    clock,
    onPressure: (s) => pressure.push(s),
    onQuota: ({ remaining, resetAt }) =>
      reportQuota(ctx, { key: accountQuotaKey(platform, account.id), remaining, reset: resetAt }),
  });
  let metrics = new Map<string, RawMetrics>();
  try {
    if (tracked.length) {
      metrics = await withFreshToken(
        { db, kv, clock, cipher, client, jobId: job.jobId },
        account,
        (accessToken) =>
          client.fetchMetrics({
            accessToken,
            externalAccountId: account.externalAccountId,
            externalPostIds: tracked.map((p) => p.externalPostId),
          }),
      );
    }
  } catch (err) {
    if (err instanceof PlatformRateLimitError) {
      reportQuota(ctx, rateLimitQuota(platform, account.id, err, clock.now()));
      throw new RateLimitedError(err.retryAfterMs, err.message);
    }
    if (err instanceof TokenDecryptError) throw new PermanentError("token_unreadable", err.message);
    if (err instanceof RetryableError) {
      await db
        .update(socialAccounts)
        .set({ lastError: err.message })
        .where(eq(socialAccounts.id, account.id));
    }
    throw err;
  }
  for (const signal of pressure) reportQuota(ctx, rateLimitQuota(platform, account.id, signal, clock.now()));

  const now = clock.now();
  const snapshots = await writeSnapshots(db, { jobId: job.jobId, capturedAt: now, posts: tracked, metrics });
  await db
    .update(socialAccounts)
    .set({ lastSyncAt: now, lastError: null, updatedAt: now })
    .where(eq(socialAccounts.id, account.id));
  const brain = await recomputeInsights(db, account.orgId, account.userId, now);
  log.info(
    { jobId: job.jobId, socialAccountId: account.id, platform, posts: tracked.length, snapshots },
    "analytics synced",
  );
  return {
    socialAccountId: account.id,
    platform,
    posts: tracked.length,
    snapshots,
    missing: tracked.filter((p) => !metrics.has(p.externalPostId)).map((p) => p.externalPostId),
    avgEngagementRate: brain.overall.avgEngagementRate,
  };
}
