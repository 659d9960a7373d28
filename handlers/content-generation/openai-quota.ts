// OpenAI's rate-limit headers as quota reports (kit/quota.ts): per API key and model, the requests and the
// tokens left (`x-ratelimit-remaining-*`), the size (`x-ratelimit-limit-*`) and the time until full again
// (`x-ratelimit-reset-*`, durations like `1s`, `6m0s`, `120ms`). OpenAI's limits refill steadily, so the
// relay may dispatch the next job as soon as one request's worth is back. The key is named by a hash of
// the API key (the relay never sees the key itself); a call's token cost is its prompt estimate plus
// max_tokens, as OpenAI counts it against the limit.
import type { HandlerContext } from "../kit/context.js";
import { type QuotaReport, reportQuota } from "../kit/quota.js";

/** `6m0s`, `1s`, `120ms`, `1h2m3.5s` → ms; null when unreadable. */
export function parseResetDuration(text: string | null): number | null {
  if (!text) return null;
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== text.trim()) return null;
  const unit = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
  return Math.ceil(parts.reduce((ms, p) => ms + Number(p[1]) * unit[p[2] as keyof typeof unit], 0));
}

async function keyId(apiKey: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(apiKey));
  return [...new Uint8Array(digest).slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The reports one OpenAI answer's headers make. */
export function openaiQuotaReports(
  headers: Headers,
  o: { keyId: string; model: string; now: number; tokenCost: number },
): QuotaReport[] {
  const out: QuotaReport[] = [];
  for (const [what, cost] of [
    ["requests", 1],
    ["tokens", o.tokenCost],
  ] as const) {
    const remaining = Number(headers.get(`x-ratelimit-remaining-${what}`));
    const resetMs = parseResetDuration(headers.get(`x-ratelimit-reset-${what}`));
    if (!headers.has(`x-ratelimit-remaining-${what}`) || !Number.isFinite(remaining) || resetMs === null)
      continue;
    const limit = Number(headers.get(`x-ratelimit-limit-${what}`));
    out.push({
      key: `openai:${o.keyId}:${o.model.replace(/[^A-Za-z0-9._-]/g, "_")}:${what}`,
      remaining,
      reset: o.now + resetMs,
      ...(Number.isFinite(limit) && limit > 0 ? { limit, refill: "linear" as const } : {}),
      cost,
      at: o.now,
    });
  }
  return out;
}

/** The runtime's fetch, reporting the quota each OpenAI answer states (errors included: a 429 says 0 left). */
export function quotaReportingFetch(ctx: Pick<HandlerContext, "fetch" | "quota" | "config">): typeof fetch {
  const apiKey = ctx.config.OPENAI_API_KEY ?? "";
  const id = keyId(apiKey);
  return async (input, init) => {
    const res = await ctx.fetch(input, init);
    if (!ctx.quota) return res;
    let model = ctx.config.OPENAI_MODEL;
    let tokenCost = 1;
    if (typeof init?.body === "string") {
      try {
        const body = JSON.parse(init.body) as { model?: string; max_tokens?: number };
        model = body.model ?? model;
        tokenCost = Math.ceil(init.body.length / 4) + (body.max_tokens ?? 0);
      } catch {
        // not a JSON body: the defaults stand
      }
    }
    const reports = openaiQuotaReports(res.headers, { keyId: await id, model, now: Date.now(), tokenCost });
    for (const r of reports) reportQuota(ctx, r);
    return res;
  };
}
