// OpenAPI 3.1 at /openapi.json lists every route the API registers; /docs serves Scalar with its script
// from this server (no CDN); /admin/queues is bull-board behind ADMIN_TOKEN and read-only.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { catalog } from "../../handlers/catalog.js";
import { createApi } from "../../src/api/app.js";
import { OPS_PATHS } from "../../src/api/routes/ops.js";
import { parseConfig } from "../../src/config.js";
import { EventBus } from "../../src/events/bus.js";
import { JobsService } from "../../src/jobs/service.js";
import { Lifecycle } from "../../src/lifecycle/lifecycle.js";
import { createLogger } from "../../src/logger.js";
import { Queues } from "../../src/queue/queues.js";
import { ADMIN_TOKEN, startTestService, type TestService } from "../helpers/service.js";

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(() => t.stop());

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Routes the app serves that the OpenAPI document does not describe (operator tooling excepted). */
function undocumented(app: ReturnType<typeof createApi>): string[] {
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
  const documented = new Set(
    Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((m) => `${m.toUpperCase()} ${path}`),
    ),
  );
  const isOps = (path: string) => OPS_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
  const registered = app.routes
    .filter((r) => r.method !== "ALL" && !isOps(r.path) && !r.path.includes("*"))
    .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}")}`);
  return [...new Set(registered)].filter((r) => !documented.has(r));
}

describe("OpenAPI document", () => {
  test("every route registered on the API (real catalog) is in the document", async () => {
    // Built in-process with every real route; no connection is opened.
    const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    const log = createLogger({ level: "silent" });
    const config = parseConfig({ ADMIN_TOKEN, DATABASE_URL: "postgres://x@127.0.0.1/x" });
    const queues = new Queues(redis, "openapi-test", catalog);
    const events = new EventBus(redis, "openapi-test");
    const deps = { config, db: t.db.db, redis, queues, catalog, events, log };
    const lifecycle = new Lifecycle({ db: t.db.db, redis, queues, events, log });
    const jobs = new JobsService({ ...deps, lifecycle, retryDelaysMs: [1] });
    const app = createApi({ ...deps, jobs, readiness: async () => ({ redis: true, postgres: true }) });
    expect(undocumented(app)).toEqual([]);
    // The check does catch a route left out of the document.
    app.get("/v1/not-in-the-document", (c) => c.json({}));
    expect(undocumented(app)).toEqual(["GET /v1/not-in-the-document"]);
    redis.disconnect();
  });

  test("/openapi.json is OpenAPI 3.1 built from the request schemas", async () => {
    const res = await fetch(`${t.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/v1/jobs"]?.post?.requestBody).toBeDefined();
    expect(doc.components.schemas.EnqueueJob?.required).toEqual(expect.arrayContaining(["type", "userId"]));
    expect(doc.paths["/admin/orgs"]?.post?.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths["/healthz"]?.get).toBeDefined();
  });
});

describe("/docs", () => {
  test("serves the reference with every asset from this server, none from a CDN", async () => {
    const res = await fetch(`${t.url}/docs`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Scalar.createApiReference");
    expect(html).not.toMatch(/https?:\/\//);
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBe(1);
    for (const src of scripts) {
      expect(src.startsWith("/")).toBe(true);
      const js = await fetch(`${t.url}${src}`);
      expect(js.status).toBe(200);
      expect(js.headers.get("content-type")).toContain("javascript");
      const body = await js.text();
      expect(body.length).toBeGreaterThan(500_000);
      expect(body).toContain("createApiReference");
    }
  });
});

describe("/admin/queues (bull-board)", () => {
  test("refuses without the admin token and asks browsers for basic auth", async () => {
    const res = await fetch(`${t.url}/admin/queues`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Basic");
    const api = await fetch(`${t.url}/admin/queues/api/queues`);
    expect(api.status).toBe(401);
    const wrong = await fetch(`${t.url}/admin/queues/api/queues`, {
      headers: { authorization: "Bearer not-the-admin-token-at-all" },
    });
    expect(wrong.status).toBe(401);
  });

  test("opens with the token (Bearer or basic) and loads its assets from this server", async () => {
    const basic = `Basic ${Buffer.from(`ops:${ADMIN_TOKEN}`).toString("base64")}`;
    const page = await fetch(`${t.url}/admin/queues`, { headers: { authorization: basic } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("flywheel-workers");
    expect(html).toContain('<base href="/admin/queues/"');
    expect(html).not.toContain("https://");
    const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) {
      expect(a.startsWith("static/")).toBe(true);
      expect((await fetch(`${t.url}/admin/queues/${a}`, { headers: admin })).status).toBe(200);
    }
    const res = await fetch(`${t.url}/admin/queues/api/queues`, { headers: admin });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(["echo", "scripted"]);
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
  });

  test("is read-only: its retry, clean, pause and remove actions are refused", async () => {
    const enq = await t.api("/v1/jobs", {
      method: "POST",
      json: { type: "echo", userId: "u1", payload: { value: "x" }, runAt: new Date(Date.now() + 3600_000) },
    });
    const { job } = (await enq.json()) as { job: { id: string } };
    const actions: [string, string][] = [
      ["PUT", "/admin/queues/api/queues/echo/retry/failed"],
      ["PUT", "/admin/queues/api/queues/echo/clean/delayed"],
      ["PUT", "/admin/queues/api/queues/echo/pause"],
      ["PUT", `/admin/queues/api/queues/echo/${job.id}/promote`],
      ["DELETE", "/admin/queues/api/queues/echo/obliterate"],
      ["PUT", `/admin/queues/api/queues/echo/${job.id}/clean`],
    ];
    for (const [method, path] of actions) {
      const res = await fetch(`${t.url}${path}`, { method, headers: admin });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    // The job is still there, still delayed.
    const state = await fetch(`${t.url}/admin/queues/api/queues?activeQueue=echo&status=delayed`, {
      headers: admin,
    });
    const body = (await state.json()) as { queues: { name: string; jobs: { id: string }[] }[] };
    expect(body.queues.find((q) => q.name === "echo")?.jobs.map((j) => j.id)).toContain(job.id);
  });
});
