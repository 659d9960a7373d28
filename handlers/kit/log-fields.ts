// A logger that stamps fields (requestId, jobId, type, attempt) on every line a handler writes, so each
// line about a job can be found by its request id. Uses pino's `child` when the runtime's logger has one,
// made on the first line only: most requests write none, and a pino child costs its bindings' serialization.
import type { Logger } from "./context.js";

export function withLogFields(log: Logger, fields: Record<string, unknown>): Logger {
  const child = (log as { child?: (bindings: Record<string, unknown>) => Logger }).child;
  if (typeof child === "function") {
    let made: Logger | undefined;
    const get = () => {
      made ??= child.call(log, fields);
      return made;
    };
    return {
      info: (obj, msg) => get().info(obj, msg),
      warn: (obj, msg) => get().warn(obj, msg),
      error: (obj, msg) => get().error(obj, msg),
    };
  }
  return {
    info: (obj, msg) => log.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => log.warn({ ...fields, ...obj }, msg),
    error: (obj, msg) => log.error({ ...fields, ...obj }, msg),
  };
}
