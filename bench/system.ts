// Starts the real service (src/service.ts startService) in this process for a scenario, with the bench
// catalog, real signing and Postgres/Redis of the bench run. Logs are produced at `info` like production
// and then discarded, so their cost is measured without flooding the terminal.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pg from "pg";
import { createOrg } from "../db/queries/orgs.js";
import type { Catalog } from "../handlers/kit/catalog.js";
import { parseConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { type Service, startService } from "../src/service.js";
import { benchCatalog } from "./catalog.js";
import type { BenchEnv } from "./env.js";

export const SIGNING = { current: "sig_bench_current_key_0123456789", next: "sig_bench_next_key_0123456789" };
export const ADMIN_TOKEN = "bench-admin-token-0123456789";

/** The environment a bench service (in-process or child) starts with; `extra` overrides. */
export function serviceEnv(env: BenchEnv, prefix: string, extra: Record<string, string> = {}) {
  return {
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    REDIS_PREFIX: prefix,
    ADMIN_TOKEN,
    QSTASH_CURRENT_SIGNING_KEY: SIGNING.current,
    QSTASH_NEXT_SIGNING_KEY: SIGNING.next,
    DATA_DIR: mkdtempSync(join(tmpdir(), "fw-bench-")),
    LOG_LEVEL: "info",
    RELAY_CONCURRENCY: "100",
    ...extra,
  };
}

/** Logs at `level` into nothing; BENCH_LOG=<level> prints that level and above to stderr instead. */
export function discardingLogger(level = "info") {
  if (process.env.BENCH_LOG)
    return createLogger({ level: process.env.BENCH_LOG, destination: process.stderr });
  const sink = new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
  return createLogger({ level, destination: sink });
}

export async function startBenchService(
  env: BenchEnv,
  prefix: string,
  extra: Record<string, string> = {},
  catalog: Catalog = benchCatalog,
): Promise<Service> {
  const config = parseConfig(serviceEnv(env, prefix, extra));
  return startService(config, { log: discardingLogger(), catalog });
}

export interface Tenant {
  orgId: string;
  apiKey: string;
  userIds: string[];
}

/** Organizations with users to spread jobs over (fairness and the per-org cap stay on their defaults). */
export async function createTenants(service: Service, orgs: number, usersPerOrg: number): Promise<Tenant[]> {
  const out: Tenant[] = [];
  for (let i = 0; i < orgs; i++) {
    const { org, apiKey } = await createOrg(service.pg.db, `bench-org-${i}`);
    out.push({ orgId: org.id, apiKey, userIds: Array.from({ length: usersPerOrg }, (_, u) => `user-${u}`) });
  }
  return out;
}

/** Picks tenants round-robin: job i goes to org i % orgs, user (i / orgs) % users. */
export function tenantOf(tenants: Tenant[], i: number): { orgId: string; userId: string; apiKey: string } {
  const t = tenants[i % tenants.length]!;
  return {
    orgId: t.orgId,
    apiKey: t.apiKey,
    userId: t.userIds[Math.floor(i / tenants.length) % t.userIds.length]!,
  };
}

/** Counts the jobs still queued, active or retrying (the partial index keeps this cheap). */
export async function liveJobs(client: pg.Client): Promise<number> {
  const r = await client.query(
    "select count(*)::int as n from jobs where status in ('queued','active','retrying')",
  );
  return (r.rows[0] as { n: number }).n;
}

export async function pgClient(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function pool<T>(items: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(items);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items) }, async () => {
    while (next < items) {
      const i = next++;
      out[i] = await fn(i);
    }
  });
  await Promise.all(lanes);
  return out;
}
