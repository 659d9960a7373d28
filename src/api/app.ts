// The HTTP API (Hono + @hono/zod-openapi): request ids, body limit, auth, every /v1 and /admin route,
// health checks, and one error handler mapping typed errors to `{error: {code, message, fields?}}`.

import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { declaredBodyLimit } from "../../handlers/kit/body-limit.js";
import { requestLog } from "../observability/request-log.js";
import { adminAuth, apiKeyAuth } from "./auth.js";
import type { ApiDeps, ApiEnv } from "./deps.js";
import { ApiError, apiErrorHandler } from "./errors.js";
import { registerAdminRoutes } from "./routes/admin.js";
import { registerBreakerRoutes } from "./routes/breakers.js";
import { registerContentRoutes } from "./routes/content.js";
import { registerContentVersionRoutes } from "./routes/content-versions.js";
import { registerContextSourceRoutes } from "./routes/context-sources.js";
import { registerEventRoutes } from "./routes/events.js";
import { registerInsightRoutes } from "./routes/insights.js";
import { registerJobRoutes } from "./routes/jobs.js";
import { registerNotificationRoutes } from "./routes/notifications.js";
import { registerOpsRoutes } from "./routes/ops.js";
import { registerOrgLimitRoutes } from "./routes/org-limits.js";
import { registerPauseRoutes } from "./routes/pauses.js";
import { registerPostRoutes } from "./routes/posts.js";
import { registerScheduleRoutes } from "./routes/schedules.js";
import { registerSocialAccountRoutes } from "./routes/social-accounts.js";
import { registerTriggerRoutes } from "./routes/triggers.js";
import { registerUsageRoutes } from "./routes/usage.js";
import { validationHook } from "./validation-hook.js";

/** Request bodies above this are refused with 413 (chunked ones too). @default 256 KB */
export const MAX_BODY_BYTES = 256 * 1024;

export function createApi(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.onError(apiErrorHandler(deps.log));
  app.notFound((c) =>
    c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.use("*", requestId({ headerName: "X-Request-Id" }));
  // Not around /handlers (ROLE=all mounts them beside the API): the relay logs each attempt already.
  const logRequests = requestLog(deps.log);
  app.use("*", (c, next) => (c.req.path.startsWith("/handlers/") ? next() : logRequests(c, next)));
  const limit = declaredBodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `request body over ${MAX_BODY_BYTES} bytes`);
    },
  });
  // Scoped to the API's own routes: with ROLE=all the handlers app is mounted beside it and has its own.
  for (const path of ["/v1/*", "/admin/*", "/triggers/*"]) app.use(path, limit);

  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/readyz", async (c) => {
    const r = await deps.readiness();
    const down = Object.entries(r)
      .filter(([, ok]) => !ok)
      .map(([name]) => name);
    if (down.length)
      return c.json(
        { ok: false, down, error: { code: "not_ready", message: `${down.join(" and ")} unreachable` } },
        503,
      );
    return c.json({ ok: true, redis: true, postgres: true });
  });

  const keys = apiKeyAuth(deps.db);
  app.use("/v1/*", keys);
  app.use("/admin/*", adminAuth(deps.config.ADMIN_TOKEN));
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer" });

  registerJobRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerNotificationRoutes(app, deps);
  registerContentRoutes(app, deps);
  registerContentVersionRoutes(app, deps);
  registerContextSourceRoutes(app, deps);
  registerSocialAccountRoutes(app, deps);
  registerPostRoutes(app, deps);
  registerInsightRoutes(app, deps);
  registerAdminRoutes(app, deps, () => keys.forget());
  registerOrgLimitRoutes(app, deps);
  registerPauseRoutes(app, deps);
  registerBreakerRoutes(app, deps);
  registerUsageRoutes(app, deps);
  registerScheduleRoutes(app, deps);
  registerTriggerRoutes(app, deps);
  registerOpsRoutes(app, deps);
  return app;
}
