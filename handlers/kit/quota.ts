// Quota reports (ARCHITECTURE: Handler answers): a handler says which upstream quota it used and what is
// left, in `X-Flywheel-Quota: <key>; remaining=<n>; reset=<unix ms>` headers (repeatable, or comma-joined),
// and the relay's flow control (src/flow/quotas.ts) keeps each key's state for every relay. Optional
// parameters: `limit=<n>` (the quota's size), `refill=linear` (a rolling quota that refills steadily until
// `reset`, as OpenAI's; the default `window` refills all at once at `reset`, as X's), `cost=<n>` (what this
// job spent of it, e.g. tokens; default 1), `at=<unix ms>` (when the provider stated it).

/** The header a handler answers with. */
export const QUOTA_HEADER = "X-Flywheel-Quota";

export interface QuotaReport {
  /** e.g. `openai:<key id>:<model>:requests`, `x:<account>:tweets`, `graph:app`; [A-Za-z0-9:._/@-], ≤ 200. */
  key: string;
  /** Units left now. */
  remaining: number;
  /** When the quota is full again, unix ms. */
  reset: number;
  limit?: number;
  /** @default "window" */
  refill?: "window" | "linear";
  /** Units this job spent. @default 1 */
  cost?: number;
  /**
   * When the provider stated `remaining` (unix ms): the relay ages the report from then (a streamed answer
   * reaches it seconds after the headers did). @default when the relay records it
   */
  at?: number;
}

const KEY = /^[A-Za-z0-9:._/@-]{1,200}$/;

/** Adds a report to the answer (ctx.quota, set by the handlers app for each request); no-op without one. */
export function reportQuota(ctx: { quota?: QuotaReport[] }, report: QuotaReport): void {
  if (!KEY.test(report.key))
    throw new Error(`quota key ${JSON.stringify(report.key)} has characters [A-Za-z0-9:._/@-] only`);
  const list = ctx.quota;
  if (!list) return;
  const at = list.findIndex((r) => r.key === report.key);
  // One entry per key: the latest report wins (it saw the most recent state).
  if (at >= 0) list[at] = report;
  else list.push(report);
}

const num = (n: number) => String(Math.max(0, Math.round(n)));

/** One header value. */
export function formatQuota(r: QuotaReport): string {
  let out = `${r.key}; remaining=${num(r.remaining)}; reset=${num(r.reset)}`;
  if (r.limit !== undefined) out += `; limit=${num(r.limit)}`;
  if (r.refill === "linear") out += "; refill=linear";
  if (r.cost !== undefined) out += `; cost=${num(r.cost)}`;
  if (r.at !== undefined) out += `; at=${num(r.at)}`;
  return out;
}

/** Parses header values (one string or several, comma-joined or not); malformed entries are skipped. */
export function parseQuota(values: string | readonly string[] | null | undefined): QuotaReport[] {
  if (!values) return [];
  const out: QuotaReport[] = [];
  for (const value of typeof values === "string" ? [values] : values) {
    for (const entry of value.split(",")) {
      const [rawKey, ...params] = entry.split(";").map((p) => p.trim());
      if (!rawKey || !KEY.test(rawKey)) continue;
      const p = new Map<string, string>();
      for (const param of params) {
        const eq = param.indexOf("=");
        if (eq > 0) p.set(param.slice(0, eq).trim().toLowerCase(), param.slice(eq + 1).trim());
      }
      const remaining = Number(p.get("remaining"));
      const reset = Number(p.get("reset"));
      if (!p.has("remaining") || !Number.isFinite(remaining) || remaining < 0) continue;
      if (!Number.isFinite(reset) || reset <= 0) continue;
      const report: QuotaReport = { key: rawKey, remaining, reset };
      const limit = Number(p.get("limit"));
      if (p.has("limit") && Number.isFinite(limit) && limit > 0) report.limit = limit;
      if (p.get("refill") === "linear") report.refill = "linear";
      const cost = Number(p.get("cost"));
      if (p.has("cost") && Number.isFinite(cost) && cost >= 0) report.cost = cost;
      const at = Number(p.get("at"));
      if (p.has("at") && Number.isFinite(at) && at > 0) report.at = at;
      out.push(report);
    }
  }
  return out;
}
