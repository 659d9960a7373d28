// The benchmark's environment: the local Redis and Postgres (found or started like the tests'), one fresh
// migrated database `bench_<rand>` per run (dropped at the end) and a unique Redis key prefix per run
// (only its keys are deleted at the end).
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { migrate, openNodePostgres } from "../src/runtime/postgres.js";
import { findOrStartServices, type Services } from "../test/helpers/services.js";

export interface BenchEnv {
  redisUrl: string;
  /** The fresh database of this run. */
  databaseUrl: string;
  /** Root of every key prefix this run uses. */
  prefix: string;
  /** A new prefix under the root (one per scenario run keeps runs apart). */
  nextPrefix(tag: string): string;
  /** Empties the job tables between runs (this database is ours alone). */
  resetJobs(): Promise<void>;
  redisVersion: string;
  postgresVersion: string;
  close(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function deleteKeys(client: Redis, match: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", match, "COUNT", 1000);
    cursor = next;
    if (keys.length) await client.unlink(...keys);
  } while (cursor !== "0");
}

export async function openBenchEnv(log: (m: string) => void): Promise<BenchEnv> {
  const services: Services = await findOrStartServices(log);
  const rand = randomBytes(4).toString("hex");
  const name = `bench_${rand}`;
  const admin = new pg.Client({ connectionString: services.databaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const databaseUrl = withDatabase(services.databaseUrl, name);
  const pgx = await openNodePostgres(databaseUrl, { max: 2 });
  await migrate(pgx);
  const postgresVersion = String(
    ((await admin.query("show server_version")).rows[0] as { server_version: string }).server_version,
  );
  const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: null });
  const info = await redis.info("server");
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? "?";
  const prefix = `bench-${rand}`;
  let n = 0;
  return {
    redisUrl: services.redisUrl,
    databaseUrl,
    prefix,
    nextPrefix: (tag) => `${prefix}-${tag}-${++n}`,
    async resetJobs() {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query("truncate jobs, job_runs, notifications cascade").finally(() => c.end());
    },
    redisVersion,
    postgresVersion,
    async close() {
      await pgx.close();
      await deleteKeys(redis, `${prefix}-*`).catch(() => {});
      redis.disconnect();
      await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end();
      await services.stop();
    },
  };
}
