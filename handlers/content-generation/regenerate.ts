// Regenerate one saved post (payload.regenerate): the same platform rules and context as the job that wrote
// it, the earlier text and the user's instructions in the prompt; saves a new version and keeps the previous
// ones (content_versions). Idempotent per job: a re-delivery answers the version it already saved.
import { getContent } from "../../db/queries/content.js";
import { addVersion, listVersions, versionOfJob } from "../../db/queries/content-versions.js";
import type { HandlerContext, JobEnvelope } from "../kit/context.js";
import { PermanentError } from "../kit/errors.js";
import type { Platform } from "../kit/platforms.js";
import { loadGenerationContext } from "./context.js";
import { draftPosts } from "./draft.js";
import { enforceRules } from "./enforce-rules.js";
import type { ContentGenerationPayload } from "./payload.js";
import { extractHashtags } from "./platform-rules.js";
import { buildMessages, regenerateTurn } from "./prompt.js";

export async function regenerateItem(
  ctx: HandlerContext,
  job: JobEnvelope<ContentGenerationPayload>,
  ask: NonNullable<ContentGenerationPayload["regenerate"]>,
  timeoutMs: number,
) {
  const item = await getContent(ctx.db, job.orgId, ask.contentItemId);
  if (!item) throw new PermanentError("content_not_found", `content item ${ask.contentItemId} not found`);
  const view = (v: { version: number; generator: string; model: string | null }) => ({
    itemIds: [item.id],
    contentItemId: item.id,
    version: v.version,
    generator: v.generator,
    model: v.model,
  });
  const done = await versionOfJob(ctx.db, item.id, job.jobId);
  if (done) return { ...view(done), aiCalls: { made: 0, reused: 0 } };

  const platform = item.platform as Platform;
  const payload = { ...job.payload, platforms: [platform], variationsPerPlatform: 1 };
  const context = await loadGenerationContext(ctx.db, {
    orgId: job.orgId,
    userId: job.userId,
    topic: payload.topic,
    sourceIds: payload.contextSourceIds,
  });
  const versions = (await listVersions(ctx.db, item.id)).length;
  const { aiCalls, offlineReason, ...final } = await draftPosts(ctx, job, payload, context, {
    timeoutMs,
    messages: [...buildMessages(payload, context), ...regenerateTurn(item.text, ask.instructions)],
    // Offline, step to the next variation's wording so the new version differs from the old.
    offlineVariation: item.variation + Math.max(versions, 1),
  });
  const text = enforceRules(final.posts)[platform]?.[0];
  if (!text) throw new PermanentError("post_unusable", "no post came back for the item's platform");
  const saved = await addVersion(ctx.db, item, {
    jobId: job.jobId,
    text,
    hashtags: extractHashtags(text),
    generator: final.generator,
    model: final.model,
    instructions: ask.instructions,
  });
  return {
    ...view(saved),
    text,
    usage: { ...final.usage, totalTokens: final.usage.promptTokens + final.usage.completionTokens },
    costUsd: final.costUsd,
    aiCalls,
    ...(offlineReason ? { offlineReason } : {}),
  };
}
