// The handlers' Workers (workerd) entry: per request, parses the config from the env bindings, builds the
// edge adapter (Neon, Upstash Redis, URL-checked fetch) and serves the real catalog at POST /{type}.
// Nothing is built at module level: env and clients belong to the request.
import type { ExecutionContext } from "hono";
import { catalog } from "./catalog.js";
import { parseHandlerConfig } from "./config.js";
import { createHandlersApp } from "./kit/app.js";
import { isErrorNamed, type MissingSettingError } from "./kit/errors.js";
import { consoleLogger } from "./runtime/console-logger.js";
import { edgeAdapter } from "./runtime/edge-adapter.js";

export default {
  async fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext): Promise<Response> {
    const log = consoleLogger({ runtime: "workerd" });
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/healthz") return Response.json({ ok: true });
    let app: ReturnType<typeof createHandlersApp>;
    try {
      const config = parseHandlerConfig(env);
      const adapter = edgeAdapter({ config, defer: (p) => ctx.waitUntil(p), log });
      app = createHandlersApp({ catalog, adapter });
    } catch (err) {
      // Misconfiguration is the operator's, logged with every bad key; the relay retries either answer. A
      // missing setting is a 503 naming it; a bad value a 500.
      const message = err instanceof Error ? err.message : String(err);
      log.error({ err: message }, "handlers misconfigured");
      if (isErrorNamed<MissingSettingError>(err, "MissingSettingError"))
        return Response.json({ error: { code: err.code, message } }, { status: 503 });
      return Response.json({ error: { code: "misconfigured", message } }, { status: 500 });
    }
    return app.fetch(request, env, ctx);
  },
};
