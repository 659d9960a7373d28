// vitest globalSetup: finds or starts Redis and Postgres, migrates one template database for this run,
// and hands the URLs to test files (inject). Every database this run created is dropped at the end.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { migrate, openNodePostgres } from "../../src/runtime/postgres.js";
import { findOrStartServices } from "./services.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    databaseUrl: string;
    templateDb: string;
    runId: string;
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const services = await findOrStartServices((m) => console.log(`[test] ${m}`));
  const runId = randomBytes(4).toString("hex");
  const templateDb = `fw_t_${runId}_tpl`;
  const admin = new pg.Client({ connectionString: services.databaseUrl });
  await admin.connect();
  await admin.query(`create database ${templateDb}`);
  const pgx = await openNodePostgres(withDatabase(services.databaseUrl, templateDb), { max: 1 });
  await migrate(pgx);
  await pgx.close();
  project.provide("redisUrl", services.redisUrl);
  project.provide("databaseUrl", services.databaseUrl);
  project.provide("templateDb", templateDb);
  project.provide("runId", runId);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like $1",
      [`fw_t_${runId}_%`],
    );
    for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
    await admin.end();
    await services.stop();
  };
}
