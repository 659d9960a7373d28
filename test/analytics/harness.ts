// Handler-level harness for analytics tests: real Postgres and Redis, the four fake platforms on
// 127.0.0.1, the real `analytics-sync` definition behind createHandlersApp + nodeAdapter, signed requests,
// and a logger that keeps every line so tests can scan logs for tokens.
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { organizations, posts } from "../../db/schema.js";
import {
  createSocialAccount,
  type NewSocialAccount,
  type SocialAccountRow,
} from "../../handlers/analytics-sync/accounts.js";
import { analyticsSync } from "../../handlers/analytics-sync/index.js";
import { createTokenCipher } from "../../handlers/analytics-sync/token-crypto.js";
import { parseHandlerConfig } from "../../handlers/config.js";
import { createHandlersApp } from "../../handlers/kit/app.js";
import { createCatalog } from "../../handlers/kit/catalog.js";
import type { Logger } from "../../handlers/kit/context.js";
import { newId } from "../../handlers/kit/ids.js";
import type { Platform } from "../../handlers/kit/platforms.js";
import { signRequest } from "../../handlers/kit/signature.js";
import { nodeAdapter } from "../../src/runtime/node-adapter.js";
import { startFakeFacebook } from "../fakes/platforms/facebook.js";
import { startFakeInstagram } from "../fakes/platforms/instagram.js";
import { startFakeLinkedIn } from "../fakes/platforms/linkedin.js";
import { startFakeX } from "../fakes/platforms/x.js";
import { createTestDatabase } from "../helpers/db.js";
import { createTestRedis } from "../helpers/redis.js";

export const TOKEN_KEYS = `k2:${randomBytes(32).toString("base64")},k1:${randomBytes(32).toString("base64")}`;

export async function startHarness() {
  const [db, redis, x, li, fb, ig] = await Promise.all([
    createTestDatabase(),
    createTestRedis(),
    startFakeX(),
    startFakeLinkedIn(),
    startFakeFacebook(),
    startFakeInstagram(),
  ]);
  const config = parseHandlerConfig({
    HANDLERS_URL: "http://h.test",
    QSTASH_CURRENT_SIGNING_KEY: "k1",
    QSTASH_NEXT_SIGNING_KEY: "k2",
    TOKEN_ENCRYPTION_KEYS: TOKEN_KEYS,
    X_API_BASE_URL: x.url,
    X_CLIENT_ID: "rG9n6402A3dbUJKzXTNX4oWHJ",
    X_CLIENT_SECRET: "x-client-secret",
    LINKEDIN_API_BASE_URL: li.url,
    LINKEDIN_OAUTH_BASE_URL: li.url,
    LINKEDIN_CLIENT_ID: "li-client",
    LINKEDIN_CLIENT_SECRET: "li-secret",
    FACEBOOK_GRAPH_BASE_URL: fb.url,
    INSTAGRAM_GRAPH_BASE_URL: ig.url,
  });
  const logs: string[] = [];
  const log: Logger = {
    info: (o, m) => logs.push(JSON.stringify({ level: "info", msg: m, ...o })),
    warn: (o, m) => logs.push(JSON.stringify({ level: "warn", msg: m, ...o })),
    error: (o, m) => logs.push(JSON.stringify({ level: "error", msg: m, ...o })),
  };
  const app = createHandlersApp({
    catalog: createCatalog([analyticsSync]),
    adapter: nodeAdapter({ db: db.db, redis: redis.client, prefix: redis.prefix, config, log }),
  });
  const cipher = createTokenCipher(TOKEN_KEYS);
  const orgId = newId("org");
  const userId = "user_1";
  await db.db.insert(organizations).values({ id: orgId, name: "Acme" });

  async function sync(
    socialAccountId: string,
    opts: { jobId?: string; attempt?: number; orgId?: string } = {},
  ): Promise<Response> {
    const body = JSON.stringify({
      jobId: opts.jobId ?? newId("job"),
      type: "analytics-sync",
      orgId: opts.orgId ?? orgId,
      userId,
      attempt: opts.attempt ?? 1,
      maxAttempts: 4,
      payload: { socialAccountId },
    });
    const sig = await signRequest({ key: "k1", url: "http://h.test/analytics-sync", body });
    return app.request("/analytics-sync", {
      method: "POST",
      body,
      headers: { "upstash-signature": sig, "content-type": "application/json" },
    });
  }

  async function addAccount(
    platform: Platform,
    externalAccountId: string,
    tokens: { accessToken: string; refreshToken?: string },
    owner = userId,
  ): Promise<SocialAccountRow> {
    return createSocialAccount(db.db, cipher, {
      orgId,
      userId: owner,
      platform,
      externalAccountId,
      ...tokens,
      displayName: externalAccountId,
    });
  }

  /** Any account shape (e.g. with expiresAt), in the harness organization. */
  function createAccount(input: Omit<NewSocialAccount, "orgId" | "userId"> & { userId?: string }) {
    return createSocialAccount(db.db, cipher, { orgId, userId, ...input });
  }

  async function addPost(
    account: SocialAccountRow,
    externalPostId: string,
    opts: { publishedAt?: Date; text?: string; contentItemId?: string } = {},
  ): Promise<string> {
    const id = newId("post");
    await db.db.insert(posts).values({
      id,
      orgId,
      userId: account.userId,
      socialAccountId: account.id,
      platform: account.platform,
      externalPostId,
      contentItemId: opts.contentItemId ?? null,
      text: opts.text ?? null,
      publishedAt: opts.publishedAt ?? new Date(),
    });
    return id;
  }

  async function postIdOf(externalPostId: string): Promise<string> {
    const [row] = await db.db
      .select({ id: posts.id })
      .from(posts)
      .where(eq(posts.externalPostId, externalPostId));
    return row!.id;
  }

  return {
    db,
    redis,
    x,
    li,
    fb,
    ig,
    config,
    cipher,
    logs,
    app,
    orgId,
    userId,
    sync,
    addAccount,
    createAccount,
    addPost,
    postIdOf,
    /** Forgets every shared rate-limit pause (they would otherwise outlive a test). */
    async close() {
      await Promise.all([x.close(), li.close(), fb.close(), ig.close()]);
      await redis.cleanup();
      await db.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export const token = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;
