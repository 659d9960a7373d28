// One log line per API request: request id, method, route, status, duration and the organization, so an
// operator can follow a request id from the API to the job (jobs.request_id), the relay and the handler.
// Headers and bodies are never logged (they carry API keys and user data).
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../logger.js";

/** Probes and scrapes: logged at debug so they don't drown the job lines. */
const QUIET = new Set(["/healthz", "/readyz", "/metrics"]);

export function requestLog(log: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const line = {
      requestId: c.get("requestId" as never) as string | undefined,
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: Math.round(performance.now() - started),
      orgId: (c.get("orgId" as never) as string | undefined) ?? undefined,
    };
    if (status >= 500) log.warn(line, "request");
    else if (QUIET.has(line.path)) log.debug(line, "request");
    else log.info(line, "request");
  };
}
