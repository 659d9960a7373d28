// A logger that stamps fields (requestId, jobId, type, attempt) on every line a handler writes, so each
// line about a job can be found by its request id. Uses pino's `child` when the runtime's logger has one.
import type { Logger } from "./context.js";

export function withLogFields(log: Logger, fields: Record<string, unknown>): Logger {
  const child = (log as { child?: (bindings: Record<string, unknown>) => Logger }).child;
  if (typeof child === "function") return child.call(log, fields);
  return {
    info: (obj, msg) => log.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => log.warn({ ...fields, ...obj }, msg),
    error: (obj, msg) => log.error({ ...fields, ...obj }, msg),
  };
}
