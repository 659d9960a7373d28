// One chat-completions call through the openai SDK against OPENAI_BASE_URL, with the runtime's fetch, no SDK
// retries (the relay owns retries) and a per-call timeout; provider failures come out as the kit's typed errors.
import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import type { z } from "zod";
import type { HandlerContext } from "../kit/context.js";
import { PermanentError } from "../kit/errors.js";
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

export interface AiClient {
  complete(opts: {
    messages: ChatMessage[];
    schema: z.ZodType;
    schemaName: string;
    timeoutMs: number;
  }): Promise<ChatReply>;
}

export function createAiClient(ctx: Pick<HandlerContext, "config" | "fetch">): AiClient {
  const { OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL } = ctx.config;
  if (!OPENAI_API_KEY) throw new Error("createAiClient needs OPENAI_API_KEY");
  const client = new OpenAI({
    apiKey: OPENAI_API_KEY,
    baseURL: OPENAI_BASE_URL,
    organization: null,
    project: null,
    fetch: ctx.fetch,
    maxRetries: 0,
    timeout: ctx.config.OPENAI_TIMEOUT_MS,
  });
  return {
    async complete({ messages, schema, schemaName, timeoutMs }) {
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create(
          { model: OPENAI_MODEL, messages, response_format: zodResponseFormat(schema, schemaName) },
          { timeout: timeoutMs },
        );
      } catch (err) {
        throw mapProviderError(err);
      }
      const choice = completion.choices[0];
      if (choice?.message.refusal) {
        throw new PermanentError(
          "ai_refused",
          `The AI model declined to write this: ${choice.message.refusal}`,
        );
      }
      if (choice?.finish_reason === "content_filter") {
        throw new PermanentError(
          "ai_content_policy",
          "The AI provider's content filter blocked the posts for this topic",
        );
      }
      return {
        content: choice?.message.content ?? "",
        finishReason: choice?.finish_reason ?? "stop",
        model: completion.model || OPENAI_MODEL,
        usage: {
          promptTokens: completion.usage?.prompt_tokens ?? 0,
          completionTokens: completion.usage?.completion_tokens ?? 0,
        },
      };
    },
  };
}
