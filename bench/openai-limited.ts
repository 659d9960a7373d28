// The bench's OpenAI: test/fakes/openai-server.ts (the documented chat-completions shapes, SSE when asked)
// answering every call from two rolling buckets, as OpenAI limits a key per model: requests (`limit` per
// `windowMs`) and tokens (`tokenLimit` per window; a call costs its prompt estimate plus max_tokens, as
// OpenAI counts it). Each answer carries the x-ratelimit-{limit,remaining,reset}-{requests,tokens} headers
// (resets as durations like `1s`, `6m0s`) unless `headers` is off (a provider that states nothing); a spent
// bucket answers 429 `rate_limit_exceeded`, and `down` answers 503 to everything. Every call is logged with
// its time and status.
import { openAiDuration } from "../test/fakes/openai-limits.js";
import {
  apiError,
  completion,
  type FakeOpenAi,
  type FakeReply,
  type SeenRequest,
  startFakeOpenAi,
} from "../test/fakes/openai-server.js";

export interface LimitedOpenAi {
  baseUrl: string;
  /** Answer 503 to everything (an outage). */
  down: boolean;
  /** Every call: when it was answered (epoch ms) and with what status. */
  calls: { at: number; status: number }[];
  close(): Promise<void>;
}

interface Bucket {
  limit: number;
  left: number;
  at: number;
}

function refill(b: Bucket, windowMs: number, now: number): void {
  b.left = Math.min(b.limit, b.left + ((now - b.at) * b.limit) / windowMs);
  b.at = now;
}

function bucketHeaders(what: string, b: Bucket, windowMs: number): Record<string, string> {
  return {
    [`x-ratelimit-limit-${what}`]: String(b.limit),
    [`x-ratelimit-remaining-${what}`]: String(Math.max(0, Math.floor(b.left))),
    [`x-ratelimit-reset-${what}`]: openAiDuration(((b.limit - b.left) * windowMs) / b.limit),
  };
}

/** OpenAI's own token estimate of a request: its text at about 4 characters a token, plus max_tokens. */
function tokenCost(req: SeenRequest): number {
  const body = req.body as { messages?: { content?: unknown }[]; max_tokens?: number } | null;
  const chars = (body?.messages ?? []).reduce((n, m) => n + String(m.content ?? "").length, 0);
  return Math.ceil(chars / 4) + (body?.max_tokens ?? 0);
}

export async function startLimitedOpenAi(opts: {
  apiKey: string;
  limit: number;
  tokenLimit: number;
  windowMs: number;
  headers: boolean;
  /** The message content of every completion. */
  content: unknown;
}): Promise<LimitedOpenAi> {
  const fake: FakeOpenAi = await startFakeOpenAi({ apiKey: opts.apiKey });
  const now = Date.now();
  const requests: Bucket = { limit: opts.limit, left: opts.limit, at: now };
  const tokens: Bucket = { limit: opts.tokenLimit, left: opts.tokenLimit, at: now };
  const out: LimitedOpenAi = {
    baseUrl: fake.baseUrl,
    down: false,
    calls: [],
    close: () => fake.close(),
  };
  const reply = (req: SeenRequest): FakeReply => {
    const t = Date.now();
    if (out.down)
      return apiError(503, { message: "The server is overloaded or not ready yet.", type: "server_error" });
    refill(requests, opts.windowMs, t);
    refill(tokens, opts.windowMs, t);
    const cost = tokenCost(req);
    const spent = requests.left < 1 ? "requests" : tokens.left < cost ? "tokens" : null;
    const headers = () =>
      opts.headers
        ? {
            ...bucketHeaders("requests", requests, opts.windowMs),
            ...bucketHeaders("tokens", tokens, opts.windowMs),
          }
        : {};
    if (spent) {
      const message = `Rate limit reached for ${spent}. Limit ${spent === "requests" ? requests.limit : tokens.limit}.`;
      return apiError(429, { message, type: spent, code: "rate_limit_exceeded" }, headers());
    }
    requests.left -= 1;
    tokens.left -= cost;
    const ok = completion(opts.content);
    return ok.kind === "json" ? { ...ok, headers: { ...ok.headers, ...headers() } } : ok;
  };
  fake.fallback((req) => {
    const r = reply(req);
    out.calls.push({ at: Date.now(), status: r.kind === "json" ? r.status : 0 });
    return r;
  });
  return out;
}
