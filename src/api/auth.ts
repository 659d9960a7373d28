// Bearer authentication: API keys per organization (cached briefly to keep the hot path off Postgres)
// and the operator's ADMIN_TOKEN. Failures are 401 with a message; keys never reach the logs.
import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Db } from "../../db/client.js";
import { authenticateApiKey } from "../../db/queries/orgs.js";
import type { ApiEnv } from "./deps.js";
import { ApiError } from "./errors.js";

/** How long a verified key is trusted without asking Postgres again (revocation takes effect within it). */
export const KEY_CACHE_MS = 5_000;

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return m ? m[1]! : null;
}

export function apiKeyAuth(db: Db): MiddlewareHandler<ApiEnv> & { forget(): void } {
  const cache = new Map<string, { orgId: string; keyId: string; until: number }>();
  const mw: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const key = bearer(c.req.header("authorization"));
    if (!key) throw new ApiError(401, "unauthorized", "missing Authorization: Bearer <api key>");
    let hit = cache.get(key);
    if (!hit || hit.until < Date.now()) {
      const found = await authenticateApiKey(db, key);
      if (!found) {
        cache.delete(key);
        throw new ApiError(401, "unauthorized", "invalid or revoked API key");
      }
      hit = { ...found, until: Date.now() + KEY_CACHE_MS };
      if (cache.size > 10_000) cache.clear();
      cache.set(key, hit);
    }
    c.set("orgId", hit.orgId);
    c.set("apiKeyId", hit.keyId);
    await next();
  };
  return Object.assign(mw, { forget: () => cache.clear() });
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** ADMIN_TOKEN as a Bearer token (or, for browsers, basic auth with any user and the token as password). */
export function adminAuth(token: string | undefined, extra?: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    let given = bearer(header);
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (!given && basic) given = Buffer.from(basic[1]!, "base64").toString().split(":").slice(1).join(":");
    const ok = !!given && ((!!token && safeEqual(given, token)) || (!!extra && safeEqual(given, extra)));
    if (!ok) {
      if (basic || c.req.header("accept")?.includes("text/html"))
        c.header("WWW-Authenticate", 'Basic realm="flywheel admin"');
      throw new ApiError(401, "unauthorized", "admin token required");
    }
    await next();
  };
}
