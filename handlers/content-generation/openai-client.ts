// One chat-completions call through the openai SDK against OPENAI_BASE_URL, with the runtime's fetch, no SDK
// retries (the relay owns retries) and a per-call timeout; provider failures come out as the kit's typed errors.
// Streamed when asked (`stream: true`, usage in the last chunk); a provider that answers plain JSON still works.
import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { Stream } from "openai/streaming";
import type { z } from "zod";
import type { HandlerContext } from "../kit/context.js";
import { PermanentError } from "../kit/errors.js";
import { quotaReportingFetch } from "./openai-quota.js";
import type { ChatMessage } from "./prompt.js";
import { mapProviderError } from "./provider-errors.js";

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatReply {
  /** The assistant's raw content (JSON text when all went well). */
  content: string;
  /** "stop", or "length" when the output was cut off (so its JSON is likely broken). */
  finishReason: string;
  model: string;
  usage: TokenUsage;
}

export interface CompleteOptions {
  messages: ChatMessage[];
  schema: z.ZodType;
  schemaName: string;
  timeoutMs: number;
  /** @default OPENAI_MODEL */
  model?: string;
  /** Completion-token bound (`max_tokens`). */
  maxTokens?: number;
  /** Stream the reply, calling this with the content received so far after each chunk. */
  onContent?: (soFar: string) => void | Promise<void>;
}

export interface AiClient {
  complete(opts: CompleteOptions): Promise<ChatReply>;
}

type Completion = OpenAI.Chat.Completions.ChatCompletion;
type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

type Reply = {
  content: string;
  refusal: string | null;
  finish: string | null;
  model: string;
  usage: Completion["usage"];
};

function fromCompletion(plain: Completion): Reply {
  const c = plain.choices[0];
  return {
    content: c?.message.content ?? "",
    refusal: c?.message.refusal ?? null,
    finish: c?.finish_reason ?? null,
    model: plain.model,
    usage: plain.usage,
  };
}

/** The chunks of a streamed reply folded into the shape of a plain completion. */
async function collect(
  stream: Stream<Chunk>,
  onContent: NonNullable<CompleteOptions["onContent"]>,
): Promise<Reply> {
  let content = "";
  let refusal = "";
  let finish: string | null = null;
  let model = "";
  let usage: Completion["usage"];
  for await (const chunk of stream) {
    model ||= chunk.model;
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.finish_reason) finish = choice.finish_reason;
    if (choice.delta.refusal) refusal += choice.delta.refusal;
    if (choice.delta.content) {
      content += choice.delta.content;
      await onContent(content);
    }
  }
  return { content, refusal: refusal || null, finish, model, usage };
}

export function createAiClient(ctx: Pick<HandlerContext, "config" | "fetch" | "quota">): AiClient {
  const { OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL } = ctx.config;
  if (!OPENAI_API_KEY) throw new Error("createAiClient needs OPENAI_API_KEY");
  const client = new OpenAI({
    apiKey: OPENAI_API_KEY,
    baseURL: OPENAI_BASE_URL,
    organization: null,
    project: null,
    fetch: quotaReportingFetch(ctx),
    maxRetries: 0,
    timeout: ctx.config.OPENAI_TIMEOUT_MS,
  });
  return {
    async complete({ messages, schema, schemaName, timeoutMs, model, maxTokens, onContent }) {
      const body = {
        model: model ?? OPENAI_MODEL,
        messages,
        response_format: zodResponseFormat(schema, schemaName),
        ...(maxTokens ? { max_tokens: maxTokens } : {}),
      };
      let reply: Reply;
      try {
        if (onContent) {
          const controller = new AbortController();
          const response = await client.chat.completions
            .create(
              { ...body, stream: true, stream_options: { include_usage: true } },
              { timeout: timeoutMs, signal: controller.signal },
            )
            .asResponse();
          if ((response.headers.get("content-type") ?? "").includes("text/event-stream")) {
            reply = await collect(Stream.fromSSEResponse<Chunk>(response, controller), onContent);
          } else {
            // A provider that ignores `stream`: one plain completion, its content delivered at once.
            reply = fromCompletion((await response.json()) as Completion);
            if (reply.content) await onContent(reply.content);
          }
        } else {
          reply = fromCompletion(await client.chat.completions.create(body, { timeout: timeoutMs }));
        }
      } catch (err) {
        throw mapProviderError(err);
      }
      if (reply.refusal) {
        throw new PermanentError("ai_refused", `The AI model declined to write this: ${reply.refusal}`);
      }
      if (reply.finish === "content_filter") {
        throw new PermanentError(
          "ai_content_policy",
          "The AI provider's content filter blocked the posts for this topic",
        );
      }
      return {
        content: reply.content,
        finishReason: reply.finish ?? "stop",
        model: reply.model || body.model,
        usage: {
          promptTokens: reply.usage?.prompt_tokens ?? 0,
          completionTokens: reply.usage?.completion_tokens ?? 0,
        },
      };
    },
  };
}
