// GET /metrics in Prometheus text format, behind ADMIN_TOKEN or METRICS_TOKEN (Bearer, or basic auth's
// password). Mounted by the API and, for ROLE=relay (no API), on the service's root app.
import { type Context, Hono } from "hono";
import { adminAuth } from "../api/auth.js";
import { errorJson } from "../api/errors.js";
import type { Metrics } from "./metrics.js";

export const METRICS_PATH = "/metrics";

export function metricsApp(metrics: Metrics, tokens: { adminToken?: string; metricsToken?: string }): Hono {
  const app = new Hono();
  app.onError((err, c: Context) =>
    c.json(errorJson("unauthorized", err.message), (err as { status?: number }).status === 401 ? 401 : 500),
  );
  app.get(METRICS_PATH, adminAuth(tokens.adminToken, tokens.metricsToken), async (c) => {
    const { body, contentType } = await metrics.render();
    return c.body(body, 200, { "content-type": contentType, "cache-control": "no-store" });
  });
  return app;
}
