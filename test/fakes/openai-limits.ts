// OpenAI's rate limits and outages for the fake server (openai-server.ts): a rolling request limit that
// refills steadily (`limit` per `windowMs`), answered with the documented headers on every reply
// (x-ratelimit-limit-requests, -remaining-requests, -reset-requests as a duration like `6m0s` or `1s`, and
// the same for tokens), 429 `rate_limit_exceeded` when spent, and 503 while `down`.
import { apiError, completion, type FakeReply, type SeenRequest } from "./openai-server.js";

export interface OpenAiLimits {
  /** Requests the key may make per window. */
  limit: number;
  windowMs: number;
  /** Answer 503 to everything. */
  down: boolean;
  calls: number;
  rejected: number;
  /** Calls answered while down. */
  callsWhileDown: number;
  reply(req: SeenRequest): FakeReply;
}

/** `90061` ms → `1m30.061s`, as OpenAI writes its reset durations. */
export function openAiDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const m = Math.floor(ms / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, "")}s`;
  return m ? `${m}m${sec}` : sec;
}

export function openAiLimits(opts: { limit: number; windowMs: number; content: unknown }): OpenAiLimits {
  let tokens = opts.limit;
  let at = Date.now();
  const refill = () => {
    const now = Date.now();
    tokens = Math.min(limits.limit, tokens + ((now - at) * limits.limit) / limits.windowMs);
    at = now;
  };
  const headers = (): Record<string, string> => {
    const left = Math.floor(tokens);
    const toFull = ((limits.limit - tokens) * limits.windowMs) / limits.limit;
    return {
      "x-ratelimit-limit-requests": String(limits.limit),
      "x-ratelimit-remaining-requests": String(left),
      "x-ratelimit-reset-requests": openAiDuration(toFull),
      "x-ratelimit-limit-tokens": "1000000",
      "x-ratelimit-remaining-tokens": "999000",
      "x-ratelimit-reset-tokens": "60ms",
    };
  };
  const limits: OpenAiLimits = {
    limit: opts.limit,
    windowMs: opts.windowMs,
    down: false,
    calls: 0,
    rejected: 0,
    callsWhileDown: 0,
    reply() {
      limits.calls++;
      if (limits.down) {
        limits.callsWhileDown++;
        return apiError(503, { message: "The server is overloaded or not ready yet.", type: "server_error" });
      }
      refill();
      if (tokens < 1) {
        limits.rejected++;
        return apiError(
          429,
          {
            message: `Rate limit reached for requests. Limit ${limits.limit}.`,
            type: "requests",
            code: "rate_limit_exceeded",
          },
          headers(),
        );
      }
      tokens -= 1;
      const ok = completion(opts.content);
      return ok.kind === "json" ? { ...ok, headers: { ...ok.headers, ...headers() } } : ok;
    },
  };
  return limits;
}
