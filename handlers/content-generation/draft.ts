// One job's posts before they are saved: from the AI through the ledger (checkpoints, budget, usage), or from the
// offline composer when no API key is set or the organization's hard AI budget is spent (AI_BUDGET_EXCEEDED).
import { limitsFor } from "../../db/queries/org-limits.js";
import type { HandlerContext, JobEnvelope } from "../kit/context.js";
import { isErrorNamed, PermanentError } from "../kit/errors.js";
import type { Platform } from "../kit/platforms.js";
import { AiLedger } from "./ai-ledger.js";
import type { GenerationContext } from "./context.js";
import { generateWithAi } from "./generate.js";
import { LiveDrafts } from "./live-drafts.js";
import { composeOfflinePost } from "./offline-composer.js";
import { createAiClient } from "./openai-client.js";
import type { ContentGenerationPayload } from "./payload.js";
import type { ChatMessage } from "./prompt.js";
import type { FinalPosts } from "./save.js";

/** The whole job must be done by then; AI calls stop this long before it, leaving time to save. */
const SAVE_MARGIN_MS = 20_000;

export interface DraftOutcome extends FinalPosts {
  aiCalls: { made: number; reused: number };
  /** Why the offline composer wrote the posts, when it did. */
  offlineReason?: "no_api_key" | "ai_budget_exceeded";
}

export async function draftPosts(
  ctx: HandlerContext,
  job: JobEnvelope,
  payload: ContentGenerationPayload,
  context: GenerationContext,
  opts: { timeoutMs: number; messages?: ChatMessage[]; offlineVariation?: number; live?: boolean },
): Promise<DraftOutcome> {
  const offline = (reason: DraftOutcome["offlineReason"], aiCalls = { made: 0, reused: 0 }): DraftOutcome => {
    const posts: Partial<Record<Platform, string[]>> = {};
    for (const platform of payload.platforms)
      posts[platform] = Array.from({ length: payload.variationsPerPlatform }, (_, v) =>
        composeOfflinePost(platform, payload, context, v + (opts.offlineVariation ?? 0)),
      );
    const usage = { promptTokens: 0, completionTokens: 0 };
    return { posts, generator: "offline", model: null, usage, costUsd: 0, aiCalls, offlineReason: reason };
  };
  if (!ctx.config.OPENAI_API_KEY) return offline("no_api_key");

  const ledger = new AiLedger(ctx, job, await limitsFor(ctx.db, job.orgId), createAiClient(ctx));
  const now = () => ctx.clock.now().getTime();
  const live = opts.live
    ? new LiveDrafts(ctx, job, payload.platforms, payload.variationsPerPlatform)
    : undefined;
  try {
    const drafts = await generateWithAi(
      ctx,
      ledger,
      payload,
      context,
      now() + opts.timeoutMs - SAVE_MARGIN_MS,
      now,
      {
        live,
        messages: opts.messages,
      },
    );
    return { ...drafts, generator: "openai", costUsd: ledger.costUsd, aiCalls: ledger.calls };
  } catch (err) {
    if (!isErrorNamed(err, "AiBudgetExceeded")) throw err;
    if (ctx.config.AI_BUDGET_EXCEEDED === "fail")
      throw new PermanentError("ai_budget_exceeded", (err as Error).message, { cause: err });
    ctx.log.warn(
      { jobId: job.jobId, orgId: job.orgId },
      "AI budget spent; the offline composer writes the posts",
    );
    return offline("ai_budget_exceeded", ledger.calls);
  }
}
