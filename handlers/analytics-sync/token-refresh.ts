// Expired or revoked access tokens: refresh once with the refresh token where the platform has a grant,
// under a kv lock so two syncs never refresh the same account at once (the loser waits and uses the
// winner's token); when refresh is impossible or refused the account needs re-auth: one notification, 422.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { socialAccounts } from "../../db/schema.js";
import type { Clock, Kv } from "../kit/context.js";
import { PermanentError, RateLimitedError } from "../kit/errors.js";
import { decryptTokens, markNeedsReauth, type SocialAccountRow, updateSocialAccount } from "./accounts.js";
import { PlatformAuthError, RefreshRejectedError } from "./platforms/errors.js";
import type { PlatformClient } from "./platforms/types.js";
import type { TokenCipher } from "./token-crypto.js";

/** How long the refresh lock lives (a refresh call times out well before). */
const LOCK_TTL_MS = 60_000;
/** How long a sync waits for another sync's refresh before answering 429. */
const WAIT_FOR_OTHER_MS = 15_000;

export interface RefreshDeps {
  db: Db;
  kv: Kv;
  clock: Clock;
  cipher: TokenCipher;
  client: PlatformClient;
  jobId: string;
}

async function needsReauth(deps: RefreshDeps, account: SocialAccountRow, reason: string): Promise<never> {
  await markNeedsReauth(deps.db, account, { jobId: deps.jobId, reason, now: deps.clock.now() });
  throw new PermanentError(
    "account_needs_reauth",
    `${account.platform} account ${account.id} needs re-authorization: ${reason}`,
  );
}

async function reload(db: Db, id: string): Promise<SocialAccountRow> {
  const [row] = await db.select().from(socialAccounts).where(eq(socialAccounts.id, id));
  if (!row) throw new PermanentError("social_account_not_found", `social account ${id} was deleted`);
  return row;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh access token replacing `rejected`: another sync's, or one this call obtained and stored. */
async function refreshedToken(
  deps: RefreshDeps,
  account: SocialAccountRow,
  rejected: string,
): Promise<string> {
  const lockKey = `analytics:refresh-lock:${account.id}`;
  const owner = await deps.kv.setIfAbsent(lockKey, deps.jobId, LOCK_TTL_MS);
  if (!owner) {
    const deadline = Date.now() + WAIT_FOR_OTHER_MS;
    while ((await deps.kv.get(lockKey)) && Date.now() < deadline) await pause(100);
    const row = await reload(deps.db, account.id);
    if (row.status === "needs_reauth")
      throw new PermanentError(
        "account_needs_reauth",
        `${row.platform} account ${row.id} needs re-authorization`,
      );
    const { accessToken } = await decryptTokens(deps.cipher, row);
    if (accessToken !== rejected) return accessToken;
    throw new RateLimitedError(5_000, "another sync is refreshing this account's token");
  }
  try {
    // Someone may have refreshed between our rejected call and taking the lock.
    const row = await reload(deps.db, account.id);
    const current = await decryptTokens(deps.cipher, row);
    if (current.accessToken !== rejected) return current.accessToken;
    if (!deps.client.refresh)
      return await needsReauth(deps, row, "the access token expired and this platform has no refresh grant");
    if (!current.refreshToken)
      return await needsReauth(deps, row, "the access token expired and no refresh token is stored");
    let fresh: Awaited<ReturnType<NonNullable<PlatformClient["refresh"]>>>;
    try {
      fresh = await deps.client.refresh(current.refreshToken);
    } catch (err) {
      if (err instanceof RefreshRejectedError)
        return await needsReauth(deps, row, "the platform refused the refresh token");
      throw err;
    }
    await updateSocialAccount(deps.db, deps.cipher, row.id, fresh, { now: deps.clock.now() });
    return fresh.accessToken;
  } finally {
    await deps.kv.del(lockKey);
  }
}

/** Runs `call` with the account's token; on an auth refusal refreshes once and runs it again. */
export async function withFreshToken<T>(
  deps: RefreshDeps,
  account: SocialAccountRow,
  call: (accessToken: string) => Promise<T>,
): Promise<T> {
  const { accessToken, refreshToken } = await decryptTokens(deps.cipher, account);
  // Known to be expired and refreshable: refresh first instead of spending a call on a 401.
  const expired = account.expiresAt !== null && account.expiresAt <= deps.clock.now();
  if (!(expired && refreshToken && deps.client.refresh)) {
    try {
      return await call(accessToken);
    } catch (err) {
      if (!(err instanceof PlatformAuthError)) throw err;
    }
  }
  const fresh = await refreshedToken(deps, account, accessToken);
  try {
    return await call(fresh);
  } catch (err) {
    if (err instanceof PlatformAuthError)
      return needsReauth(deps, account, "the platform refused the refreshed token");
    throw err;
  }
}
