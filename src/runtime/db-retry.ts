// Status writes survive a Postgres outage: connection-class errors are retried with backoff (BullMQ keeps
// renewing the job's lock meanwhile), so a job that finished while Postgres was down is still recorded.
import type { Logger } from "../logger.js";

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "57P01",
  "57P02",
  "57P03",
]);

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: unknown };
  if (!e) return false;
  if (e.code && (CONNECTION_CODES.has(e.code) || e.code.startsWith("08"))) return true;
  const msg = e.message ?? "";
  if (
    /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i.test(
      msg,
    )
  ) {
    return true;
  }
  return e.cause ? isConnectionError(e.cause) : false;
}

/** Retries `fn` on connection errors for up to `maxMs` (default 10 minutes), 100 ms → 5 s apart. */
export async function withDbRetry<T>(fn: () => Promise<T>, log: Logger, maxMs = 600_000): Promise<T> {
  const deadline = Date.now() + maxMs;
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConnectionError(err) || Date.now() + delay > deadline) throw err;
      if (attempt === 1 || attempt % 10 === 0) {
        log.warn({ attempt, err: (err as Error).message }, "postgres unreachable; retrying the status write");
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(5_000, delay * 2);
    }
  }
}
