// Job type `content-generation` (POST /content-generation, timeout 5 min): topic → posts per platform in the
// user's content library. Payload: see payload.ts. Answers 200 `{itemIds, generator, model, usage, costUsd}`;
// 429/503/422 per provider-errors.ts. Idempotent: a re-delivered job returns the set the first delivery saved.
import type { HandlerContext } from "../kit/context.js";
import { defineJobType } from "../kit/define.js";
import { RetryableError } from "../kit/errors.js";
import type { Platform } from "../kit/platforms.js";
import { loadGenerationContext } from "./context.js";
import { generateWithAi } from "./generate.js";
import { composeOffline } from "./offline-composer.js";
import { createAiClient } from "./openai-client.js";
import { contentGenerationPayload } from "./payload.js";
import { checkPost } from "./platform-rules.js";
import { estimateCostUsd, type FinalPosts, savedResult, saveItems } from "./save.js";
import { shortenForPlatform } from "./shorten.js";

export const CONTENT_GENERATION_TIMEOUT_MS = 5 * 60_000;
/** AI calls must finish this long before the relay's deadline, leaving time to save. */
const SAVE_MARGIN_MS = 20_000;

/** Every post brought within its platform's limits; throws rather than let anything over a limit through. */
export function enforceRules(
  posts: Partial<Record<Platform, string[]>>,
): Partial<Record<Platform, string[]>> {
  const out: Partial<Record<Platform, string[]>> = {};
  for (const [platform, texts] of Object.entries(posts) as Array<[Platform, string[]]>) {
    out[platform] = texts.map((text) => {
      const fitted = shortenForPlatform(platform, text.trim());
      const problems = checkPost(platform, fitted);
      if (problems.length)
        throw new RetryableError("post_unusable", `could not produce a usable post: ${problems.join("; ")}`);
      return fitted;
    });
  }
  return out;
}

async function draft(
  ctx: HandlerContext,
  job: Parameters<typeof contentGeneration.run>[1],
): Promise<FinalPosts> {
  const { payload } = job;
  const context = await loadGenerationContext(ctx.db, {
    orgId: job.orgId,
    userId: job.userId,
    topic: payload.topic,
    sourceIds: payload.contextSourceIds,
  });
  if (!ctx.config.OPENAI_API_KEY) {
    const posts = composeOffline(payload, context);
    return {
      posts,
      generator: "offline",
      model: null,
      usage: { promptTokens: 0, completionTokens: 0 },
      costUsd: 0,
    };
  }
  const now = () => ctx.clock.now().getTime();
  const deadline = now() + CONTENT_GENERATION_TIMEOUT_MS - SAVE_MARGIN_MS;
  const drafts = await generateWithAi(ctx, createAiClient(ctx), payload, context, deadline, now);
  const costUsd = estimateCostUsd(drafts.usage, {
    inputPerMTok: ctx.config.OPENAI_INPUT_USD_PER_MTOK,
    outputPerMTok: ctx.config.OPENAI_OUTPUT_USD_PER_MTOK,
  });
  return { posts: drafts.posts, generator: "openai", model: drafts.model, usage: drafts.usage, costUsd };
}

export const contentGeneration = defineJobType({
  type: "content-generation",
  payload: contentGenerationPayload,
  timeoutMs: CONTENT_GENERATION_TIMEOUT_MS,
  async run(ctx, job) {
    // A re-delivery after a completed save: answer the same set without paying for generation again.
    const already = await savedResult(ctx.db, job.jobId);
    if (already) return already;
    const final = await draft(ctx, job);
    return saveItems(ctx.db, job, { ...final, posts: enforceRules(final.posts) }, ctx.clock.now());
  },
});
