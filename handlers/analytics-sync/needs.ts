// What a sync needs outside, read by the relay before dispatch: its platform's circuit breaker, and the
// account's quota class (the keys its syncs report: the account's own limit and its platform's app-wide
// one, quota.ts), so a sync whose limit is spent waits instead of calling to be told 429.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { socialAccounts } from "../../db/schema.js";
import type { JobNeeds } from "../kit/define.js";

export async function analyticsNeeds(
  ctx: { db: Db },
  payload: { socialAccountId: string },
): Promise<JobNeeds | null> {
  const [row] = await ctx.db
    .select({ platform: socialAccounts.platform })
    .from(socialAccounts)
    .where(eq(socialAccounts.id, payload.socialAccountId))
    .limit(1);
  if (!row) return null;
  return {
    dependency: `platform:${row.platform}`,
    quota: [row.platform, `account:${payload.socialAccountId}`],
  };
}
