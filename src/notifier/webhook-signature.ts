// The outgoing webhook's signature: `X-Flywheel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<raw body>" keyed with NOTIFY_WEBHOOK_SECRET>`. The receiver recomputes it and refuses stale `t`.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "X-Flywheel-Signature";
/** A signature older (or newer) than this is refused by `verifyWebhookSignature`. @default 300 s */
export const SIGNATURE_TOLERANCE_S = 300;

function hmac(secret: string, t: number, body: string): string {
  return createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
}

export function signWebhook(secret: string, body: string, nowS = Math.floor(Date.now() / 1000)): string {
  return `t=${nowS},v1=${hmac(secret, nowS, body)}`;
}

/** Receiver side (what the app runs): true when the header matches the raw body and is fresh. */
export function verifyWebhookSignature(opts: {
  secret: string;
  header: string | null | undefined;
  body: string;
  nowS?: number;
  toleranceS?: number;
}): boolean {
  const parts = Object.fromEntries(
    (opts.header ?? "").split(",").map((p) => {
      const i = p.indexOf("=");
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    }),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return false;
  const now = opts.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceS ?? SIGNATURE_TOLERANCE_S)) return false;
  const expected = Buffer.from(hmac(opts.secret, t, opts.body), "hex");
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
