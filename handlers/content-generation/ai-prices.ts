// Prices of AI calls: per-model USD per 1M tokens from AI_MODEL_PRICES (longest matching prefix of the model
// name, so "gpt-4o-mini-2024-07-18" takes "gpt-4o-mini"), else OPENAI_INPUT/OUTPUT_USD_PER_MTOK.
import type { HandlerConfig } from "../config.js";
import type { TokenUsage } from "./openai-client.js";
import type { ChatMessage } from "./prompt.js";

export interface Price {
  inputPerMTok: number;
  outputPerMTok: number;
}

type PriceConfig = Pick<
  HandlerConfig,
  "AI_MODEL_PRICES" | "OPENAI_INPUT_USD_PER_MTOK" | "OPENAI_OUTPUT_USD_PER_MTOK"
>;

function parsePrices(spec: string): Array<[string, Price]> {
  return spec
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [model, rest = ""] = part.split("=");
      const [input, output] = rest.split("/");
      return [(model ?? "").trim(), { inputPerMTok: Number(input), outputPerMTok: Number(output) }] as [
        string,
        Price,
      ];
    });
}

export function priceOf(config: PriceConfig, model: string): Price {
  let best: [string, Price] | undefined;
  for (const entry of parsePrices(config.AI_MODEL_PRICES)) {
    if (model.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  }
  return (
    best?.[1] ?? {
      inputPerMTok: config.OPENAI_INPUT_USD_PER_MTOK,
      outputPerMTok: config.OPENAI_OUTPUT_USD_PER_MTOK,
    }
  );
}

/** Cost in USD of `usage` at `price`. */
export function costUsd(usage: TokenUsage, price: Price): number {
  return (usage.promptTokens * price.inputPerMTok + usage.completionTokens * price.outputPerMTok) / 1_000_000;
}

/**
 * The most a call can cost: its prompt (over-estimated at 3 characters per token, plus the schema and
 * per-message overhead) and `maxTokens` of completion.
 */
export function worstCaseUsd(messages: readonly ChatMessage[], maxTokens: number, price: Price): number {
  const promptTokens = Math.ceil(JSON.stringify(messages).length / 3) + 500;
  return costUsd({ promptTokens, completionTokens: maxTokens }, price);
}
