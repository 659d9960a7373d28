// Starts the real service in-process for a test: fresh Postgres database, unique Redis prefix, handlers
// over real signed HTTP, fast retry delays. Returns helpers to call the API as an organization.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import { createOrg } from "../../db/queries/orgs.js";
import { schedules } from "../../db/schema.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import { parseConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { type Service, startService } from "../../src/service.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { eventually } from "./eventually.js";
import { createTestRedis, type TestRedis } from "./redis.js";
import { testCatalog } from "./test-types.js";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface TestService {
  service: Service;
  url: string;
  db: TestDatabase;
  redis: { url: string; prefix: string };
  apiKey: string;
  orgId: string;
  logs: string[];
  api(path: string, init?: RequestInit & { json?: unknown; key?: string }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestService(
  opts: {
    /** Keep the seeded cron schedules enabled (schedule tests); others disable them so no fan-out fires mid-test. */
    keepSchedules?: boolean;
    env?: Record<string, string>;
    catalog?: Catalog;
    db?: TestDatabase;
    redis?: { url: string; prefix: string };
  } = {},
): Promise<TestService> {
  const db = opts.db ?? (await createTestDatabase());
  const own: TestRedis | null = opts.redis ? null : await createTestRedis();
  const redis = opts.redis ?? own!;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = parseConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    ADMIN_TOKEN,
    QSTASH_CURRENT_SIGNING_KEY: "sig_current_test_key",
    QSTASH_NEXT_SIGNING_KEY: "sig_next_test_key",
    RETRY_DELAYS_MS: "100,200,300",
    DATA_DIR: mkdtempSync(join(tmpdir(), "fw-data-")),
    LOG_LEVEL: "info",
    RELAY_CONCURRENCY: "20",
    DRAIN_DELAY_S: "1",
    ...opts.env,
  });
  const log = createLogger({ level: config.LOG_LEVEL, destination: sink });
  const service = await startService(config, { log, catalog: opts.catalog ?? testCatalog });
  if (!opts.keepSchedules && service.scheduler) {
    await db.db.update(schedules).set({ enabled: false });
    await service.scheduler.control.reconcile();
  }
  const { org, apiKey } = await createOrg(db.db, "test-org");
  const url = service.url;
  return {
    service,
    url,
    db,
    redis,
    apiKey,
    orgId: org.id,
    logs,
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("authorization")) {
        const key = init.key ?? apiKey;
        headers.set("authorization", path.startsWith("/admin") ? `Bearer ${ADMIN_TOKEN}` : `Bearer ${key}`);
      }
      let body = init.body;
      if (init.json !== undefined) {
        body = JSON.stringify(init.json);
        headers.set("content-type", "application/json");
      }
      return fetch(`${url}${path}`, { ...init, headers, body });
    },
    async stop() {
      await service.stop();
      await own?.cleanup();
      if (!opts.db) await db.close();
    },
  };
}

export async function jobOf(t: TestService, id: string) {
  const res = await t.api(`/v1/jobs/${id}`);
  return (
    (await res.json()) as {
      job: {
        status: string;
        attempts: number;
        result: unknown;
        error: { code: string | null; message: string | null } | null;
        waitingOn: { reason: string; key: string | null; until: string | null } | null;
      };
    }
  ).job;
}

/** The job once it reached `status` (polled with a deadline). */
export async function jobWhen(t: TestService, id: string, status: string, timeoutMs = 30_000) {
  return eventually(
    async () => {
      const j = await jobOf(t, id);
      return j.status === status ? j : null;
    },
    { timeoutMs, message: `job ${id} ${status}` },
  );
}

/** The outcomes of a job's run rows, in attempt order (read from Postgres). */
export async function runOutcomes(db: TestDatabase, id: string): Promise<string[]> {
  const r = await db.db.execute(
    sql`select outcome from job_runs where job_id = ${id} order by attempt, started_at`,
  );
  return (r as unknown as { rows: { outcome: string }[] }).rows.map((x) => x.outcome);
}
