// Job type `content-generation` (POST /content-generation, timeout 5 min): topic → posts per platform in the
// user's content library, or (payload.regenerate) a new version of one item. Payload: see payload.ts. Answers
// 200 `{itemIds, generator, model, usage, costUsd, aiCalls: {made, reused}}`; 429/503/422 per provider-errors.ts,
// 422 `ai_budget_exceeded` when AI_BUDGET_EXCEEDED=fail. Idempotent: a re-delivered job returns the set the
// first delivery saved; AI replies are checkpointed so a retry pays only for the calls still missing.
import { deleteCheckpoints } from "../../db/queries/ai-checkpoints.js";
import type { HandlerContext, JobEnvelope } from "../kit/context.js";
import { defineJobType } from "../kit/define.js";
import { isErrorNamed } from "../kit/errors.js";
import { loadGenerationContext } from "./context.js";
import { draftPosts } from "./draft.js";
import { enforceRules } from "./enforce-rules.js";
import { type ContentGenerationPayload, contentGenerationPayload } from "./payload.js";
import { regenerateItem } from "./regenerate.js";
import { savedResult, saveItems } from "./save.js";

export const CONTENT_GENERATION_TIMEOUT_MS = 5 * 60_000;

/** Whether this attempt's error ends the job: a permanent answer, or a failure on the last attempt. */
function endsJob(err: unknown, job: JobEnvelope): boolean {
  if (isErrorNamed(err, "PermanentError") || isErrorNamed(err, "BadPayloadError")) return true;
  // A rate-limit wait spends no attempt: the next delivery still needs the checkpoints.
  return job.attempt >= job.maxAttempts && !isErrorNamed(err, "RateLimitedError");
}

async function generate(ctx: HandlerContext, job: JobEnvelope<ContentGenerationPayload>) {
  const { payload } = job;
  // A re-delivery after a completed save: answer the same set without paying for generation again.
  const already = await savedResult(ctx.db, job.jobId);
  if (already) return { ...already, aiCalls: { made: 0, reused: 0 } };
  const context = await loadGenerationContext(ctx.db, {
    orgId: job.orgId,
    userId: job.userId,
    topic: payload.topic,
    sourceIds: payload.contextSourceIds,
  });
  const { aiCalls, offlineReason, ...final } = await draftPosts(ctx, job, payload, context, {
    timeoutMs: CONTENT_GENERATION_TIMEOUT_MS,
    live: true,
  });
  const saved = await saveItems(ctx.db, job, { ...final, posts: enforceRules(final.posts) }, ctx.clock.now());
  return { ...saved, aiCalls, ...(offlineReason ? { offlineReason } : {}) };
}

export const contentGeneration = defineJobType({
  type: "content-generation",
  payload: contentGenerationPayload,
  timeoutMs: CONTENT_GENERATION_TIMEOUT_MS,
  async run(ctx, job) {
    try {
      const result = job.payload.regenerate
        ? await regenerateItem(ctx, job, job.payload.regenerate, CONTENT_GENERATION_TIMEOUT_MS)
        : await generate(ctx, job);
      await deleteCheckpoints(ctx.db, job.jobId);
      return result;
    } catch (err) {
      if (endsJob(err, job)) await deleteCheckpoints(ctx.db, job.jobId).catch(() => {});
      throw err;
    }
  },
  // The OpenAI breaker, and the quota keys its answers report (openai-quota.ts): learned per class.
  needs: { dependency: "openai", quota: "openai" },
  // Failed for good however it ended (also a last attempt the relay timed out or lost): drop its checkpoints.
  async onFailed(ctx, job) {
    await deleteCheckpoints(ctx.db, job.jobId);
  },
});

/** What the API needs of the type's payload (regenerate builds one from the original job's). */
export type { ContentGenerationPayload } from "./payload.js";
