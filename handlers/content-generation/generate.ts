// AI generation: ask for every platform's variations (structured output), re-ask once when the reply does not
// parse (then give up with a retryable error), and re-ask once for variations that break a platform rule.
import type { HandlerContext } from "../kit/context.js";
import { RetryableError } from "../kit/errors.js";
import type { Platform } from "../kit/platforms.js";
import type { GenerationContext } from "./context.js";
import type { AiClient, TokenUsage } from "./openai-client.js";
import type { ContentGenerationPayload } from "./payload.js";
import { checkPost, composePost } from "./platform-rules.js";
import {
  buildMessages,
  type ChatMessage,
  malformedFollowUp,
  type PostsByPlatform,
  postsSchema,
  type Violation,
  violationFollowUp,
} from "./prompt.js";

export interface Drafts {
  /** Composed post texts (body + hashtags) per platform, one per variation, not yet shortened. */
  posts: Partial<Record<Platform, string[]>>;
  model: string;
  usage: TokenUsage;
}

type Parsed = { ok: true; posts: PostsByPlatform; raw: string } | { ok: false; reason: string; raw: string };

function parseReply(raw: string, finishReason: string, platforms: readonly Platform[]): Parsed {
  if (finishReason === "length")
    return { ok: false, reason: "the reply was cut off at the token limit", raw };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}`, raw };
  }
  const parsed = postsSchema(platforms).safeParse(json);
  if (!parsed.success)
    return { ok: false, reason: parsed.error.issues[0]?.message ?? "schema mismatch", raw };
  const empty = platforms.find((p) => !parsed.data[p]?.length);
  if (empty) return { ok: false, reason: `no variations for ${empty}`, raw };
  return { ok: true, posts: parsed.data, raw };
}

export async function generateWithAi(
  ctx: Pick<HandlerContext, "config" | "log">,
  ai: AiClient,
  payload: ContentGenerationPayload,
  context: GenerationContext,
  /** Epoch ms by which every call must be done (inside the job's timeout). */
  deadlineMs: number,
  now: () => number,
): Promise<Drafts> {
  const usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
  let model = ctx.config.OPENAI_MODEL;
  const call = async (messages: ChatMessage[], platforms: readonly Platform[]): Promise<Parsed> => {
    const left = deadlineMs - now();
    if (left < 5_000)
      throw new RetryableError("ai_timeout", "no time left in this attempt for another AI call");
    const reply = await ai.complete({
      messages,
      schema: postsSchema(platforms),
      schemaName: "platform_posts",
      timeoutMs: Math.min(ctx.config.OPENAI_TIMEOUT_MS, left),
    });
    usage.promptTokens += reply.usage.promptTokens;
    usage.completionTokens += reply.usage.completionTokens;
    model = reply.model;
    return parseReply(reply.content, reply.finishReason, platforms);
  };

  const base = buildMessages(payload, context);
  let reply = await call(base, payload.platforms);
  let history = base;
  if (!reply.ok) {
    ctx.log.warn({ reason: reply.reason }, "AI reply did not parse; asking once more");
    history = [...base, ...malformedFollowUp(reply.raw, reply.reason)];
    reply = await call(history, payload.platforms);
    if (!reply.ok) {
      throw new RetryableError(
        "ai_malformed_output",
        `The AI model returned unusable output twice (${reply.reason})`,
      );
    }
  }

  const n = payload.variationsPerPlatform;
  const posts: Partial<Record<Platform, string[]>> = {};
  const violations: Violation[] = [];
  for (const platform of payload.platforms) {
    const texts = (reply.posts[platform] ?? []).slice(0, n).map((v) => composePost(v.text, v.hashtags));
    posts[platform] = texts;
    texts.forEach((text, variation) => {
      const problems = checkPost(platform, text);
      if (problems.length) violations.push({ platform, variation, problems });
    });
  }
  if (violations.length === 0) return { posts, model, usage };

  // Regenerate the offending variations once, naming each violation; whatever still breaks gets shortened later.
  ctx.log.info(
    { violations: violations.length },
    "AI variations broke platform rules; regenerating them once",
  );
  const broken = [...new Set(violations.map((v) => v.platform))];
  const fix = await call([...history, ...violationFollowUp(reply.raw, violations)], broken);
  if (!fix.ok) return { posts, model, usage };
  for (const platform of broken) {
    const replacements = [...(fix.posts[platform] ?? [])];
    for (const v of violations.filter((x) => x.platform === platform)) {
      const next = replacements.shift();
      if (next) posts[platform]![v.variation] = composePost(next.text, next.hashtags);
    }
  }
  return { posts, model, usage };
}
