// Organization limits: PUT/GET /admin/orgs/:id/limits on the API's own stack (admin auth, zod validation, error
// handler) over real Postgres, and the CLI's orgs:limits as a child process on the same rows.
import { execFile } from "node:child_process";
import { OpenAPIHono } from "@hono/zod-openapi";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createOrg } from "../../db/queries/orgs.js";
import { adminAuth } from "../../src/api/auth.js";
import type { ApiEnv } from "../../src/api/deps.js";
import { ApiError, apiErrorHandler } from "../../src/api/errors.js";
import { registerOrgLimitRoutes } from "../../src/api/routes/org-limits.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

const TOKEN = "admin-token-for-org-limits-0123";
let db: TestDatabase;
let app: OpenAPIHono<ApiEnv>;
let orgId: string;
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;

beforeAll(async () => {
  db = await createTestDatabase();
  orgId = (await createOrg(db.db, "limited")).org.id;
  app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw ApiError.validation(result.error);
    },
  });
  app.onError(apiErrorHandler(silent));
  app.use("/admin/*", adminAuth(TOKEN));
  registerOrgLimitRoutes(app, { db: db.db, log: silent });
});
afterAll(() => db.close());

const call = (path: string, init: { method?: string; json?: unknown } = {}) =>
  app.request(path, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });

test("PUT sets the given fields, leaves the others, null restores the default; GET reads them", async () => {
  const fresh = await (await call(`/admin/orgs/${orgId}/limits`)).json();
  expect(fresh.limits).toMatchObject({ orgId, maxActive: null, aiBudgetUsd: null, updatedAt: null });

  const put = await call(`/admin/orgs/${orgId}/limits`, {
    method: "PUT",
    json: { maxActive: 5, enqueuePerMinute: 120, hard: true, aiBudgetUsd: 50, aiSoftBudgetUsd: 40.5 },
  });
  expect(put.status).toBe(200);
  expect((await put.json()).limits).toMatchObject({
    maxActive: 5,
    enqueuePerMinute: 120,
    hard: true,
    aiBudgetUsd: 50,
    aiSoftBudgetUsd: 40.5,
  });
  await call(`/admin/orgs/${orgId}/limits`, { method: "PUT", json: { maxActive: null, aiBudgetUsd: 75 } });
  const now = (await (await call(`/admin/orgs/${orgId}/limits`)).json()).limits;
  expect(now).toMatchObject({ maxActive: null, enqueuePerMinute: 120, hard: true, aiBudgetUsd: 75 });
  expect(now.updatedAt).not.toBeNull();
});

test("bad input is a 400 naming the field; an unknown organization a 404", async () => {
  const bad = await call(`/admin/orgs/${orgId}/limits`, { method: "PUT", json: { aiBudgetUsd: -1 } });
  expect(bad.status).toBe(400);
  expect((await bad.json()).error.fields[0].path).toBe("aiBudgetUsd");
  const wrongType = await call(`/admin/orgs/${orgId}/limits`, { method: "PUT", json: { maxActive: "five" } });
  expect((await wrongType.json()).error.fields[0].path).toBe("maxActive");
  expect((await call("/admin/orgs/org_nope/limits")).status).toBe(404);
  expect((await call("/admin/orgs/org_nope/limits", { method: "PUT", json: { hard: false } })).status).toBe(
    404,
  );
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "node_modules/.bin/tsx",
      ["src/cli/main.ts", ...args],
      { env: { PATH: process.env.PATH, DATABASE_URL: db.url }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("CLI orgs:limits sets and shows the same limits, and names a bad flag", async () => {
  const set = await cli(
    "orgs:limits",
    orgId,
    "--ai-budget-usd",
    "12.5",
    "--hard",
    "false",
    "--max-active",
    "null",
    "--json",
  );
  expect(set.code).toBe(0);
  expect(JSON.parse(set.stdout).limits).toMatchObject({ aiBudgetUsd: 12.5, hard: false, maxActive: null });
  const api = (await (await call(`/admin/orgs/${orgId}/limits`)).json()).limits;
  expect(api).toMatchObject({ aiBudgetUsd: 12.5, hard: false, enqueuePerMinute: 120 });

  const shown = await cli("orgs:limits", orgId);
  expect(shown.stdout).toMatch(/AI budget \(USD\/month\)\s+12\.5/);
  const bad = await cli("orgs:limits", orgId, "--enqueue-per-minute", "lots");
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("--enqueue-per-minute");
  expect((await cli("orgs:limits", "org_nope")).code).toBe(1);
});
