// Operator routes on the API: /metrics, /openapi.json and /docs, and the /admin/queues dashboard.
// Wired by createApi once every public route is registered.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { METRICS_PATH, metricsApp } from "../../observability/metrics-route.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { DASHBOARD_PATH, registerDashboardRoutes } from "./dashboard.js";
import { DOCS_PATH, OPENAPI_PATH, registerDocsRoutes } from "./docs.js";

/** Paths that are operator tooling, not part of the documented API (the OpenAPI test skips them). */
export const OPS_PATHS = [METRICS_PATH, OPENAPI_PATH, DOCS_PATH, DASHBOARD_PATH];

export function registerOpsRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  if (deps.metrics) {
    app.route(
      "/",
      metricsApp(deps.metrics, {
        adminToken: deps.config.ADMIN_TOKEN,
        metricsToken: deps.config.METRICS_TOKEN,
      }),
    );
  }
  registerDocsRoutes(app);
  registerDashboardRoutes(app, deps.queues);
}
