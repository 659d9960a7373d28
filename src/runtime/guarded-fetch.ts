// The Node handlers' fetch: user-supplied URLs go through an undici Agent whose connector refuses
// private addresses on every connection, redirects are followed by hand (at most 5, http/https only,
// each hop checked), bodies are capped after decompression, and a total deadline and an idle timeout
// apply. Operator-configured service origins (OpenAI, platforms) bypass the address check and the limits.
import type { LookupFunction } from "node:net";
import { Agent, type Dispatcher, fetch as undiciFetch } from "undici";
import type { HandlerConfig } from "../../handlers/config.js";
import { PermanentError, RetryableError } from "../../handlers/kit/errors.js";
import { REDIRECT_STATUSES, redirectHop } from "../../handlers/kit/net/redirect.js";
import { assertUrlAllowed } from "../../handlers/kit/net/url-guard.js";
import { guardedConnector } from "./guarded-connector.js";
import { limitBody } from "./limited-body.js";

export interface GuardedFetchOptions {
  /** Allow private and loopback targets (tests only). */
  allowPrivate: boolean;
  /** Service base URLs (e.g. OPENAI_BASE_URL) reachable even when private; no limits apply to them. */
  allowedOrigins?: string[];
  userAgent: string;
  /** Body cap in bytes, after decompression. */
  maxBytes: number;
  /** Total deadline of one fetch (all redirects and the body), in ms. */
  timeoutMs: number;
  /** Longest wait for headers or for the next body chunk, in ms. */
  idleTimeoutMs: number;
  /** DNS lookup override (tests: a name that resolves to 127.0.0.1). @default dns.lookup */
  lookup?: LookupFunction;
}

type UndiciInit = NonNullable<Parameters<typeof undiciFetch>[1]>;

function originOf(url: string | URL): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function hasCause(err: unknown, name: string, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 5) return false;
  return (
    err.name === name || (err as { code?: string }).code === name || hasCause(err.cause, name, depth + 1)
  );
}

function findCause(err: unknown, name: string, depth = 0): Error | undefined {
  if (!(err instanceof Error) || depth > 5) return undefined;
  return err.name === name ? err : findCause(err.cause, name, depth + 1);
}

/** Maps undici's failures to the kit's errors; other network errors stay TypeErrors, as fetch throws them. */
export function mapFetchError(err: unknown, url: string, deadline: AbortSignal, timeoutMs: number): unknown {
  const blocked = findCause(err, "BlockedAddressError");
  if (blocked)
    return new PermanentError("blocked_url", `blocked URL ${url}: ${blocked.message}`, { cause: err });
  if (err instanceof PermanentError || err instanceof RetryableError) return err;
  if (deadline.aborted) {
    return new RetryableError("fetch_timeout", `${url} did not answer completely within ${timeoutMs} ms`, {
      cause: err,
    });
  }
  if (hasCause(err, "UND_ERR_HEADERS_TIMEOUT") || hasCause(err, "UND_ERR_BODY_TIMEOUT")) {
    return new RetryableError("fetch_idle_timeout", `${url} stopped sending data`, { cause: err });
  }
  return err;
}

export function createGuardedFetch(opts: GuardedFetchOptions): typeof fetch {
  const allowed = new Set((opts.allowedOrigins ?? []).map(originOf).filter((o): o is string => o !== null));
  const serviceAgent = new Agent();
  const userAgent = new Agent({
    connect: opts.allowPrivate
      ? { timeout: opts.idleTimeoutMs }
      : guardedConnector({ lookup: opts.lookup, connectTimeoutMs: opts.idleTimeoutMs }),
    headersTimeout: opts.idleTimeoutMs,
    bodyTimeout: opts.idleTimeoutMs,
  });

  async function guardedFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const isRequest = typeof input === "object" && "url" in input && !(input instanceof URL);
    let url = new URL(isRequest ? (input as Request).url : String(input));
    let method = (init.method ?? (isRequest ? (input as Request).method : "GET")).toUpperCase();
    let body = init.body;
    const headers = new Headers(init.headers ?? (isRequest ? (input as Request).headers : undefined));
    const mode = init.redirect ?? "follow";
    const deadline = AbortSignal.timeout(opts.timeoutMs);
    const callerSignal = init.signal ?? (isRequest ? (input as Request).signal : undefined);
    let redirected = false;

    for (let hop = 0; ; hop++) {
      const isService = allowed.has(url.origin);
      if (!isService) {
        assertUrlAllowed(url, { allowPrivate: opts.allowPrivate });
        if (!headers.has("user-agent")) headers.set("user-agent", opts.userAgent);
      }
      const signal = isService
        ? callerSignal
        : callerSignal
          ? AbortSignal.any([callerSignal, deadline])
          : deadline;
      let res: Awaited<ReturnType<typeof undiciFetch>>;
      try {
        res = await undiciFetch(url, {
          method,
          headers: Object.fromEntries(headers.entries()),
          body: body as UndiciInit["body"],
          redirect: "manual",
          signal: signal ?? undefined,
          dispatcher: (isService ? serviceAgent : userAgent) as Dispatcher,
        });
      } catch (err) {
        throw isService ? err : mapFetchError(err, url.href, deadline, opts.timeoutMs);
      }
      const location = res.headers.get("location");
      if (mode !== "manual" && REDIRECT_STATUSES.has(res.status) && location) {
        await res.body?.cancel().catch(() => {});
        if (mode === "error") throw new TypeError(`redirect from ${url.href} refused (redirect: "error")`);
        const next = redirectHop({ from: url, location, status: res.status, hop, method, headers });
        if (next.dropBody) body = undefined;
        method = next.method;
        url = next.url;
        redirected = true;
        continue;
      }
      const out = isService
        ? (res as unknown as Response)
        : limitBody(res as unknown as Response, {
            maxBytes: opts.maxBytes,
            url: url.href,
            mapError: (e) => mapFetchError(e, url.href, deadline, opts.timeoutMs),
          });
      Object.defineProperty(out, "url", { value: url.href });
      Object.defineProperty(out, "redirected", { value: redirected });
      return out;
    }
  }
  return guardedFetch as typeof fetch;
}

/** The guarded fetch for the handlers, from config: the configured service base URLs are the allowed origins. */
export function guardedFetchFromConfig(cfg: HandlerConfig, extraOrigins: string[] = []): typeof fetch {
  return createGuardedFetch({
    allowPrivate: cfg.SCRAPER_ALLOW_PRIVATE_NETWORKS,
    allowedOrigins: [
      cfg.OPENAI_BASE_URL,
      cfg.X_API_BASE_URL,
      cfg.LINKEDIN_API_BASE_URL,
      cfg.FACEBOOK_GRAPH_BASE_URL,
      cfg.INSTAGRAM_GRAPH_BASE_URL,
      ...extraOrigins,
    ],
    userAgent: cfg.SCRAPER_USER_AGENT,
    maxBytes: cfg.SCRAPER_MAX_BYTES,
    timeoutMs: cfg.SCRAPER_TIMEOUT_MS,
    idleTimeoutMs: cfg.SCRAPER_IDLE_TIMEOUT_MS,
  });
}
