// GET /openapi.json (OpenAPI 3.1 built from the same zod schemas that validate requests) and GET /docs
// (Scalar's interactive reference). The reference's script is served from node_modules, never a CDN.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { ApiEnv } from "../deps.js";
import { json } from "../schemas.js";

export const DOCS_PATH = "/docs";
export const OPENAPI_PATH = "/openapi.json";
export const DOCS_SCRIPT_PATH = "/docs/assets/scalar-standalone.js";

let script: string | null = null;
function scalarScript(): string {
  script ??= readFileSync(
    createRequire(import.meta.url).resolve("@scalar/api-reference/browser/standalone.js"),
    "utf8",
  );
  return script;
}

export function openApiDocument(app: OpenAPIHono<ApiEnv>) {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "flywheel-workers",
      version: "1",
      description:
        "Background jobs of the content flywheel. `/v1` takes an organization's API key as a Bearer token; `/admin` takes ADMIN_TOKEN.",
    },
  });
}

/** The plain health routes, described so the document lists every route the API serves. */
function describeHealth(app: OpenAPIHono<ApiEnv>) {
  const ok = z.object({ ok: z.boolean() });
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path: "/healthz",
      summary: "Liveness: the process answers",
      responses: { 200: json(ok, "Alive") },
    }),
  );
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path: "/readyz",
      summary: "Readiness: Redis and Postgres both answer",
      responses: {
        200: json(ok.extend({ redis: z.boolean(), postgres: z.boolean() }), "Ready"),
        503: json(
          ok.extend({ down: z.array(z.string()) }),
          "Redis or Postgres unreachable (named in `down`)",
        ),
      },
    }),
  );
}

export function registerDocsRoutes(app: OpenAPIHono<ApiEnv>): void {
  describeHealth(app);
  app.get(OPENAPI_PATH, (c) => c.json(openApiDocument(app)));
  app.get(DOCS_SCRIPT_PATH, (c) =>
    c.body(scalarScript(), 200, {
      "content-type": "application/javascript; charset=utf-8",
      "cache-control": "public, max-age=86400",
    }),
  );
  app.get(
    DOCS_PATH,
    Scalar({
      url: OPENAPI_PATH,
      cdn: DOCS_SCRIPT_PATH,
      pageTitle: "flywheel-workers API",
      // No request leaves for a third party: fonts, telemetry and the hosted proxy are off.
      withDefaultFonts: false,
      telemetry: false,
      hideClientButton: true,
    }),
  );
}
