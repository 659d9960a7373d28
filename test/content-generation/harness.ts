// Shared setup for content-generation handler tests: a fresh Postgres database, a Redis prefix, the local
// OpenAI-compatible server, and `deliver` that signs and POSTs a job envelope to the handlers app.
import { asc, eq } from "drizzle-orm";
import { contentItems } from "../../db/schema.js";
import { parseHandlerConfig } from "../../handlers/config.js";
import { contentGeneration } from "../../handlers/content-generation/index.js";
import { createHandlersApp } from "../../handlers/kit/app.js";
import { createCatalog } from "../../handlers/kit/catalog.js";
import type { Logger } from "../../handlers/kit/context.js";
import { newId } from "../../handlers/kit/ids.js";
import { signRequest } from "../../handlers/kit/signature.js";
import { nodeAdapter } from "../../src/runtime/node-adapter.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";

export const API_KEY = "sk-test-content";

export interface Harness {
  db: TestDatabase;
  redis: TestRedis;
  openai: FakeOpenAi;
  logs: Array<{ level: string; obj: object; msg?: string }>;
  /** Signs and POSTs a job to /content-generation; `env` overrides config (e.g. OPENAI_API_KEY: ""). */
  deliver(
    payload: unknown,
    opts?: {
      jobId?: string;
      orgId?: string;
      userId?: string;
      attempt?: number;
      maxAttempts?: number;
      env?: Record<string, string>;
    },
  ): Promise<Response>;
  items(jobId: string): Promise<Array<typeof contentItems.$inferSelect>>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const [db, redis, openai] = await Promise.all([
    createTestDatabase(),
    createTestRedis(),
    startFakeOpenAi({ apiKey: API_KEY }),
  ]);
  const logs: Harness["logs"] = [];
  const log: Logger = {
    info: (obj, msg) => logs.push({ level: "info", obj, msg }),
    warn: (obj, msg) => logs.push({ level: "warn", obj, msg }),
    error: (obj, msg) => logs.push({ level: "error", obj, msg }),
  };
  const appFor = (env: Record<string, string>) => {
    const config = parseHandlerConfig({
      HANDLERS_URL: "http://h.test",
      QSTASH_CURRENT_SIGNING_KEY: "k1",
      QSTASH_NEXT_SIGNING_KEY: "k2",
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_TIMEOUT_MS: "5000",
      ...env,
    });
    return createHandlersApp({
      catalog: createCatalog([contentGeneration]),
      adapter: nodeAdapter({ db: db.db, redis: redis.client, prefix: redis.prefix, config, log }),
    });
  };
  return {
    db,
    redis,
    openai,
    logs,
    async deliver(payload, opts = {}) {
      const body = JSON.stringify({
        jobId: opts.jobId ?? newId("job"),
        type: "content-generation",
        orgId: opts.orgId ?? "org_a",
        userId: opts.userId ?? "user_a",
        attempt: opts.attempt ?? 1,
        maxAttempts: opts.maxAttempts ?? 4,
        payload,
      });
      const sig = await signRequest({ key: "k1", url: "http://h.test/content-generation", body });
      return appFor(opts.env ?? {}).request("/content-generation", {
        method: "POST",
        body,
        headers: { "upstash-signature": sig, "content-type": "application/json" },
      });
    },
    items: (jobId) =>
      db.db
        .select()
        .from(contentItems)
        .where(eq(contentItems.jobId, jobId))
        .orderBy(asc(contentItems.platform), asc(contentItems.variation)),
    async close() {
      await Promise.all([db.close(), redis.cleanup(), openai.close()]);
    },
  };
}
