// QStash-compatible request signatures (ARCHITECTURE: Contracts). The relay signs with `signRequest`;
// handlers and the trigger endpoint verify with `verifySignature`: @upstash/qstash's Receiver (current then
// next key, issuer, expiry, `sub` = the configured URL, body hash) plus a replay check on `jti`.
import { Receiver } from "@upstash/qstash";
import { base64url, decodeJwt, SignJWT } from "jose";
import type { Kv } from "./context.js";
import { SignatureRejectedError } from "./errors.js";

export interface SigningKeys {
  current: string;
  next: string;
}

async function sha256Base64url(body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  return base64url.encode(new Uint8Array(digest));
}

/** A signature valid for `ttlSeconds` (default 300) over `body` for `url`, as QStash signs deliveries. */
export async function signRequest(opts: {
  key: string;
  url: string;
  body: string;
  nowMs?: number;
  ttlSeconds?: number;
}): Promise<string> {
  const now = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  return new SignJWT({ body: await sha256Base64url(opts.body) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("Upstash")
    .setSubject(opts.url)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (opts.ttlSeconds ?? 300))
    .setJti(`jwt_${crypto.randomUUID()}`)
    .sign(new TextEncoder().encode(opts.key));
}

/**
 * Verifies `signature` for `body` at `url` (the configured URL, never the request's own) and refuses a
 * `jti` seen before until its expiry. Throws SignatureRejectedError with the reason.
 */
export async function verifySignature(opts: {
  keys: SigningKeys;
  kv: Kv;
  signature: string | undefined | null;
  url: string;
  body: string;
  /** Key namespace for seen ids, e.g. "jti" or "qstash-jti". */
  replayNamespace?: string;
}): Promise<void> {
  if (!opts.signature) throw new SignatureRejectedError("missing Upstash-Signature header");
  const receiver = new Receiver({ currentSigningKey: opts.keys.current, nextSigningKey: opts.keys.next });
  let ok = false;
  try {
    // A few seconds of tolerance: relay and handlers run on different machines (DO, Workers) whose clocks differ.
    ok = await receiver.verify({
      signature: opts.signature,
      body: opts.body,
      url: opts.url,
      clockTolerance: 5,
    });
  } catch (err) {
    throw new SignatureRejectedError(`signature refused: ${(err as Error).message}`);
  }
  if (!ok) throw new SignatureRejectedError("signature refused");
  const claims = decodeJwt(opts.signature);
  if (!claims.jti || !claims.exp) throw new SignatureRejectedError("signature has no jti or exp");
  const ttlMs = Math.max(1000, claims.exp * 1000 - Date.now() + 1000);
  const fresh = await opts.kv.setIfAbsent(`${opts.replayNamespace ?? "jti"}:${claims.jti}`, "1", ttlMs);
  if (!fresh) throw new SignatureRejectedError("signature replayed (jti seen before)");
}
