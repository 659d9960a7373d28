// The one place platform clients send HTTP: network failures and 5xx become RetryableError (only this
// job defers), other unexpected answers PermanentError. Error messages name the status, never a token.
import { PermanentError, RetryableError } from "../../kit/errors.js";
import type { Platform } from "../../kit/platforms.js";
import type { PlatformDeps } from "./types.js";

/** Per-request deadline for platform calls, in ms (the job's own timeout is 3 min). @default 30_000 */
export const PLATFORM_REQUEST_TIMEOUT_MS = 30_000;

export async function send(
  deps: PlatformDeps,
  platform: Platform,
  url: string,
  init: RequestInit = {},
): Promise<Response> {
  try {
    return await deps.fetch(url, { ...init, signal: AbortSignal.timeout(PLATFORM_REQUEST_TIMEOUT_MS) });
  } catch (err) {
    const reason = err instanceof Error ? err.name : "error";
    throw new RetryableError("platform_unreachable", `${platform} could not be reached (${reason})`);
  }
}

export async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** 5xx (and 408) → RetryableError; the caller handles every other status first. */
export function failUnexpected(platform: Platform, res: Response, what: string): never {
  if (res.status >= 500 || res.status === 408) {
    throw new RetryableError("platform_unavailable", `${platform} answered ${res.status} to ${what}`);
  }
  throw new PermanentError("platform_request_rejected", `${platform} refused ${what} with ${res.status}`);
}

export function num(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

export function optNum(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}

/** An OAuth token endpoint's answer (RFC 6749 §5.1) → TokenSet fields. */
export function tokenAnswer(
  json: unknown,
  now: Date,
): { accessToken: string; refreshToken?: string; expiresAt: Date | null } | null {
  if (!json || typeof json !== "object") return null;
  const o = json as Record<string, unknown>;
  if (typeof o.access_token !== "string" || !o.access_token) return null;
  const expiresIn = optNum(o.expires_in);
  return {
    accessToken: o.access_token,
    refreshToken: typeof o.refresh_token === "string" && o.refresh_token ? o.refresh_token : undefined,
    expiresAt: expiresIn ? new Date(now.getTime() + expiresIn * 1000) : null,
  };
}
