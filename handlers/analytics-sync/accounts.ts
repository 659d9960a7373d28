// Social accounts as the domain sees them: tokens are encrypted with the row id as associated data on every
// write and decrypted only to call the platform; `publicAccount` is the only shape that leaves (no tokens).
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { notifications, socialAccounts } from "../../db/schema.js";
import { newId } from "../kit/ids.js";
import type { Platform } from "../kit/platforms.js";
import type { TokenCipher } from "./token-crypto.js";

export type SocialAccountRow = typeof socialAccounts.$inferSelect;

export interface NewSocialAccount {
  orgId: string;
  userId: string;
  platform: Platform;
  externalAccountId: string;
  accessToken: string;
  refreshToken?: string | null;
  expiresAt?: Date | null;
  displayName?: string | null;
}

export async function createSocialAccount(
  db: Db,
  cipher: TokenCipher,
  input: NewSocialAccount,
): Promise<SocialAccountRow> {
  const id = newId("sa");
  const [row] = await db
    .insert(socialAccounts)
    .values({
      id,
      orgId: input.orgId,
      userId: input.userId,
      platform: input.platform,
      externalAccountId: input.externalAccountId,
      displayName: input.displayName ?? null,
      accessTokenEnc: await cipher.encrypt(id, input.accessToken),
      refreshTokenEnc: input.refreshToken ? await cipher.encrypt(id, input.refreshToken) : null,
      expiresAt: input.expiresAt ?? null,
    })
    .returning();
  return row!;
}

/** A change to an account: a field left undefined is kept; null clears it. */
export interface AccountChange {
  accessToken?: string;
  refreshToken?: string | null;
  expiresAt?: Date | null;
  displayName?: string | null;
}

/**
 * The one way an account's tokens change: the API's PATCH and a sync's token refresh both call it. New tokens
 * are encrypted with the row id as associated data (the cipher is used only when a token is given). With
 * `reconnected` (the user supplied the tokens) a new token also makes the account active again and clears
 * its last error; a refresh leaves the status alone. Returns the updated row, undefined when it is gone.
 */
export async function updateSocialAccount(
  db: Db,
  cipher: TokenCipher,
  accountId: string,
  change: AccountChange,
  opts: { now: Date; reconnected?: boolean },
): Promise<SocialAccountRow | undefined> {
  const set: Partial<typeof socialAccounts.$inferInsert> = { updatedAt: opts.now };
  if (change.accessToken !== undefined)
    set.accessTokenEnc = await cipher.encrypt(accountId, change.accessToken);
  if (change.refreshToken !== undefined) {
    set.refreshTokenEnc = change.refreshToken ? await cipher.encrypt(accountId, change.refreshToken) : null;
  }
  if (change.expiresAt !== undefined) set.expiresAt = change.expiresAt;
  if (change.displayName !== undefined) set.displayName = change.displayName;
  const newToken = change.accessToken !== undefined || typeof change.refreshToken === "string";
  if (opts.reconnected && newToken) Object.assign(set, { status: "active", lastError: null });
  const [row] = await db.update(socialAccounts).set(set).where(eq(socialAccounts.id, accountId)).returning();
  return row;
}

export async function decryptTokens(
  cipher: TokenCipher,
  row: Pick<SocialAccountRow, "id" | "accessTokenEnc" | "refreshTokenEnc">,
): Promise<{ accessToken: string; refreshToken: string | null }> {
  return {
    accessToken: await cipher.decrypt(row.id, row.accessTokenEnc),
    refreshToken: row.refreshTokenEnc ? await cipher.decrypt(row.id, row.refreshTokenEnc) : null,
  };
}

/**
 * Active → needs_reauth, and exactly one `account_needs_reauth` notification for that transition (a second
 * sync finding the account already flagged inserts nothing). Returns true when this call flagged it.
 */
export async function markNeedsReauth(
  db: Db,
  account: Pick<
    SocialAccountRow,
    "id" | "orgId" | "userId" | "platform" | "displayName" | "externalAccountId"
  >,
  opts: { jobId: string | null; reason: string; now: Date },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const flagged = await tx
      .update(socialAccounts)
      .set({ status: "needs_reauth", lastError: opts.reason, updatedAt: opts.now })
      .where(and(eq(socialAccounts.id, account.id), eq(socialAccounts.status, "active")))
      .returning({ id: socialAccounts.id });
    if (!flagged.length) return false;
    const name = account.displayName ?? account.externalAccountId;
    await tx.insert(notifications).values({
      id: newId("ntf"),
      orgId: account.orgId,
      userId: account.userId,
      kind: "account_needs_reauth",
      title: `Reconnect your ${account.platform} account`,
      message: `We can no longer read analytics for ${name}: ${opts.reason}. Reconnect the account to resume syncing.`,
      jobId: opts.jobId,
      data: { socialAccountId: account.id, platform: account.platform },
      createdAt: opts.now,
    });
    return true;
  });
}

/** The account as the API returns it: never a token, ciphertext or not. */
export function publicAccount(row: SocialAccountRow) {
  return {
    id: row.id,
    userId: row.userId,
    platform: row.platform as Platform,
    externalAccountId: row.externalAccountId,
    displayName: row.displayName,
    status: row.status,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastSyncAt: row.lastSyncAt?.toISOString() ?? null,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
