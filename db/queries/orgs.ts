// Organizations and their API keys. A key is `fw_<prefix>_<secret>`; only its SHA-256 and the prefix
// (for lookup) are stored, so the key is shown once, at creation.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { newId } from "../../handlers/kit/ids.js";
import type { Db } from "../client.js";
import { apiKeys, organizations } from "../schema.js";

export type OrgRow = typeof organizations.$inferSelect;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function parseApiKey(key: string): { prefix: string } | null {
  const m = /^fw_([a-f0-9]{12})_[A-Za-z0-9_-]{32,}$/.exec(key);
  return m ? { prefix: m[1]! } : null;
}

export async function createApiKey(
  db: Db,
  orgId: string,
  name?: string,
): Promise<{ id: string; apiKey: string }> {
  const prefix = randomBytes(6).toString("hex");
  const apiKey = `fw_${prefix}_${randomBytes(32).toString("base64url")}`;
  const id = newId("key");
  await db.insert(apiKeys).values({ id, orgId, prefix, hash: sha256(apiKey), name: name ?? null });
  return { id, apiKey };
}

export async function createOrg(
  db: Db,
  name: string,
): Promise<{ org: OrgRow; apiKey: string; apiKeyId: string }> {
  const [org] = await db
    .insert(organizations)
    .values({ id: newId("org"), name })
    .returning();
  const key = await createApiKey(db, org!.id, "default");
  return { org: org!, apiKey: key.apiKey, apiKeyId: key.id };
}

/** The org a valid, unrevoked key belongs to (constant-time hash comparison), else null. */
export async function authenticateApiKey(
  db: Db,
  key: string,
): Promise<{ orgId: string; keyId: string } | null> {
  const parsed = parseApiKey(key);
  if (!parsed) return null;
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.prefix, parsed.prefix), isNull(apiKeys.revokedAt)));
  if (!row) return null;
  const a = Buffer.from(row.hash, "hex");
  const b = Buffer.from(sha256(key), "hex");
  return a.length === b.length && timingSafeEqual(a, b) ? { orgId: row.orgId, keyId: row.id } : null;
}

export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

export async function countOrgs(db: Db): Promise<number> {
  return (await db.select({ id: organizations.id }).from(organizations).limit(1)).length;
}

export async function orgExists(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.id, id))
    .limit(1);
  return rows.length > 0;
}
