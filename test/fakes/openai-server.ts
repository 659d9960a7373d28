// A local OpenAI-compatible server (node:http on 127.0.0.1) speaking POST /v1/chat/completions: the documented
// chat.completion object with usage, and error bodies `{error: {message, type, param, code}}`. With
// `stream: true` a completion is sent as SSE chat.completion.chunk objects (role, content pieces, finish, then a
// usage chunk when `stream_options.include_usage`, then `[DONE]`), unless started with `{stream: false}` (a
// provider that ignores `stream`). Scriptable per test with a queue of replies or a function of the request.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON request body that tests inspect freely
  body: any;
}

export type FakeReply =
  | { kind: "json"; status: number; headers?: Record<string, string>; body: unknown }
  /** Close the connection without answering (the SDK sees a connection error). */
  | { kind: "drop" }
  /** Never answer (until the client gives up or the server closes): a timeout. */
  | { kind: "hang" };

export interface FakeOpenAi {
  /** Base URL for OPENAI_BASE_URL (ends in /v1). */
  baseUrl: string;
  requests: SeenRequest[];
  /** Replies used in order, one per request; after them, `fallback` answers. */
  enqueue(...replies: FakeReply[]): void;
  /** Answers requests once the queue is empty. Default: a 500 naming the unscripted request. */
  fallback(fn: (req: SeenRequest) => FakeReply): void;
  close(): Promise<void>;
}

export interface CompletionOptions {
  model?: string;
  finishReason?: "stop" | "length" | "content_filter";
  refusal?: string | null;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

/** A 200 chat.completion whose message content is `content` (objects are JSON-encoded, strings sent as-is). */
export function completion(content: unknown, opts: CompletionOptions = {}): FakeReply {
  const usage = opts.usage ?? { prompt_tokens: 120, completion_tokens: 80 };
  return {
    kind: "json",
    status: 200,
    headers: { "x-request-id": `req_${randomBytes(8).toString("hex")}` },
    body: {
      id: `chatcmpl-${randomBytes(8).toString("hex")}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: opts.model ?? "gpt-4o-mini-2024-07-18",
      system_fingerprint: "fp_fake",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: opts.refusal ? null : typeof content === "string" ? content : JSON.stringify(content),
            refusal: opts.refusal ?? null,
            annotations: [],
          },
          logprobs: null,
          finish_reason: opts.finishReason ?? "stop",
        },
      ],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      service_tier: "default",
    },
  };
}

/** An OpenAI error answer, e.g. apiError(429, {message, type: "requests", code: "rate_limit_exceeded"}). */
export function apiError(
  status: number,
  error: { message: string; type: string; code?: string | null; param?: string | null },
  headers: Record<string, string> = {},
): FakeReply {
  return {
    kind: "json",
    status,
    headers,
    body: {
      error: {
        message: error.message,
        type: error.type,
        param: error.param ?? null,
        code: error.code ?? null,
      },
    },
  };
}

/** The SSE body of a streamed chat completion, in OpenAI's documented chunk shape. */
// biome-ignore lint/suspicious/noExplicitAny: the completion body built by completion() above
export function streamChunks(body: any, includeUsage: boolean, pieceChars: number): string {
  const base = { id: body.id, object: "chat.completion.chunk", created: body.created, model: body.model };
  const choice = body.choices[0];
  const content: string = choice.message.content ?? "";
  const chunks: unknown[] = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
  ];
  if (choice.message.refusal)
    chunks.push({
      ...base,
      choices: [{ index: 0, delta: { refusal: choice.message.refusal }, finish_reason: null }],
    });
  for (let i = 0; i < content.length; i += pieceChars)
    chunks.push({
      ...base,
      choices: [{ index: 0, delta: { content: content.slice(i, i + pieceChars) }, finish_reason: null }],
    });
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: choice.finish_reason }] });
  if (includeUsage) chunks.push({ ...base, choices: [], usage: body.usage });
  return `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("")}data: [DONE]\n\n`;
}

export async function startFakeOpenAi(
  opts: { apiKey?: string; stream?: boolean; pieceChars?: number } = {},
): Promise<FakeOpenAi> {
  const requests: SeenRequest[] = [];
  const queue: FakeReply[] = [];
  let fallback = (req: SeenRequest): FakeReply =>
    apiError(500, { message: `fake: no scripted reply for ${req.method} ${req.path}`, type: "server_error" });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      const seen: SeenRequest = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body,
      };
      requests.push(seen);
      let reply: FakeReply;
      if (seen.method !== "POST" || seen.path !== "/v1/chat/completions") {
        reply = apiError(404, {
          message: `Unknown request URL: ${seen.method} ${seen.path}`,
          type: "invalid_request_error",
          code: "unknown_url",
        });
      } else if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
        reply = apiError(401, {
          message: "Incorrect API key provided.",
          type: "invalid_request_error",
          code: "invalid_api_key",
        });
      } else {
        reply = queue.shift() ?? fallback(seen);
      }
      if (reply.kind === "drop") {
        req.socket.destroy();
        return;
      }
      if (reply.kind === "hang") return;
      // biome-ignore lint/suspicious/noExplicitAny: the JSON request body
      const asked = seen.body as any;
      const completionBody = reply.body as { object?: string } | null;
      if (asked?.stream === true && opts.stream !== false && completionBody?.object === "chat.completion") {
        res.writeHead(reply.status, { "content-type": "text/event-stream", ...reply.headers });
        res.end(
          streamChunks(reply.body, asked.stream_options?.include_usage === true, opts.pieceChars ?? 24),
        );
        return;
      }
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    fallback: (fn) => {
      fallback = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
