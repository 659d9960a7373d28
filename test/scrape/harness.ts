// Handler-level harness for scrape tests: a fresh database with one organization, the handlers app with
// the scrape type on the Node adapter and the guarded fetch, and helpers to add sources and run jobs.
import type { LookupFunction } from "node:net";
import { eq } from "drizzle-orm";
import { contextItems, contextSources, notifications, organizations } from "../../db/schema.js";
import { parseHandlerConfig } from "../../handlers/config.js";
import { createHandlersApp } from "../../handlers/kit/app.js";
import { createCatalog } from "../../handlers/kit/catalog.js";
import type { FailureContext, Logger } from "../../handlers/kit/context.js";
import { systemClock } from "../../handlers/kit/context.js";
import { newId } from "../../handlers/kit/ids.js";
import { signRequest } from "../../handlers/kit/signature.js";
import { scrapeJob } from "../../handlers/scrape/index.js";
import { createGuardedFetch } from "../../src/runtime/guarded-fetch.js";
import { nodeAdapter } from "../../src/runtime/node-adapter.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";

export const quietLog: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export interface Harness {
  db: TestDatabase;
  redis: TestRedis;
  orgId: string;
  userId: string;
  /** Runs one scrape job through the signed handlers app; `env` overrides config for this app. */
  scrape(
    sourceId: string,
    env?: Record<string, string>,
    opts?: AppOptions,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  addSource(kind: "website" | "rss", url: string, name?: string, scope?: "page" | "site"): Promise<string>;
  source(id: string): Promise<typeof contextSources.$inferSelect>;
  items(sourceId: string): Promise<Array<typeof contextItems.$inferSelect>>;
  notifications(): Promise<Array<typeof notifications.$inferSelect>>;
  failureContext: FailureContext;
  close(): Promise<void>;
}

export interface AppOptions {
  /** DNS override for the guarded fetch (a name that resolves to loopback). */
  lookup?: LookupFunction;
  /** Wraps the guarded fetch, e.g. to put a fake public site in front of it. */
  wrapFetch?: (guarded: typeof fetch) => typeof fetch;
}

const BASE_ENV = {
  HANDLERS_URL: "http://h.test",
  QSTASH_CURRENT_SIGNING_KEY: "k1",
  QSTASH_NEXT_SIGNING_KEY: "k2",
  SCRAPER_ALLOW_PRIVATE_NETWORKS: "true",
  SCRAPER_USER_AGENT: "FlywheelTest/1.0 (+scrape tests)",
  SCRAPER_MAX_BYTES: String(1024 * 1024),
  SCRAPER_TIMEOUT_MS: "5000",
  SCRAPER_IDLE_TIMEOUT_MS: "2000",
};

export async function createHarness(): Promise<Harness> {
  const db = await createTestDatabase();
  const redis = await createTestRedis();
  const orgId = newId("org");
  const userId = "user_1";
  await db.db.insert(organizations).values({ id: orgId, name: "Acme" });

  function appFor(env: Record<string, string>, opts: AppOptions = {}) {
    const config = parseHandlerConfig({ ...BASE_ENV, ...env });
    const fetch = createGuardedFetch({
      allowPrivate: config.SCRAPER_ALLOW_PRIVATE_NETWORKS,
      userAgent: config.SCRAPER_USER_AGENT,
      maxBytes: config.SCRAPER_MAX_BYTES,
      timeoutMs: config.SCRAPER_TIMEOUT_MS,
      idleTimeoutMs: config.SCRAPER_IDLE_TIMEOUT_MS,
      lookup: opts.lookup,
    });
    const adapter = nodeAdapter({
      db: db.db,
      redis: redis.client,
      prefix: redis.prefix,
      config,
      log: quietLog,
      fetch: opts.wrapFetch ? opts.wrapFetch(fetch) : fetch,
    });
    return createHandlersApp({ catalog: createCatalog([scrapeJob]), adapter });
  }
  const defaultApp = appFor({});

  return {
    db,
    redis,
    orgId,
    userId,
    async scrape(sourceId, env, opts) {
      const app = env || opts ? appFor(env ?? {}, opts) : defaultApp;
      const body = JSON.stringify({
        jobId: newId("job"),
        type: "scrape",
        orgId,
        userId,
        attempt: 1,
        maxAttempts: 4,
        payload: { sourceId },
      });
      const sig = await signRequest({ key: "k1", url: "http://h.test/scrape", body });
      const res = await app.request("/scrape", {
        method: "POST",
        body,
        headers: { "upstash-signature": sig, "content-type": "application/json" },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async addSource(kind, url, name, scope = "page") {
      const id = newId("src");
      await db.db.insert(contextSources).values({ id, orgId, userId, kind, url, name, scope });
      return id;
    },
    async source(id) {
      const [row] = await db.db.select().from(contextSources).where(eq(contextSources.id, id));
      if (!row) throw new Error(`no source ${id}`);
      return row;
    },
    items: (sourceId) =>
      db.db
        .select()
        .from(contextItems)
        .where(eq(contextItems.sourceId, sourceId))
        .orderBy(contextItems.itemKey),
    notifications: () => db.db.select().from(notifications).where(eq(notifications.orgId, orgId)),
    failureContext: { db: db.db, clock: systemClock, log: quietLog },
    async close() {
      await redis.cleanup();
      await db.close();
    },
  };
}

/** The error code of a failed answer (`{error: {code}}`). */
export function errorCode(body: Record<string, unknown>): string | undefined {
  return (body.error as { code?: string } | undefined)?.code;
}
