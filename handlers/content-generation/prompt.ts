// The model's instructions and its structured-output schema (one list of variations per requested platform),
// plus the follow-up turns that ask for a fix: one for output that did not parse, one naming rule violations.
import { z } from "zod";
import type { Platform } from "../kit/platforms.js";
import type { GenerationContext } from "./context.js";
import type { ContentGenerationPayload } from "./payload.js";
import { PLATFORM_RULES } from "./platform-rules.js";

export const variationSchema = z.object({
  text: z.string().describe("The post body as it will be published, without the hashtags"),
  hashtags: z.array(z.string()).describe("Hashtags for the post, without the # sign"),
});
export type Variation = z.output<typeof variationSchema>;
export type PostsByPlatform = Partial<Record<Platform, Variation[]>>;

/** `{twitter: Variation[], ...}` for exactly the given platforms (strict JSON schema: every key required). */
export function postsSchema(platforms: readonly Platform[]): z.ZodType<PostsByPlatform> {
  return z.object(Object.fromEntries(platforms.map((p) => [p, z.array(variationSchema)])));
}

export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

const STYLE: Record<Platform, string> = {
  twitter:
    "X/Twitter: one punchy post of at most 280 characters including hashtags (each URL counts as 23); 1-2 hashtags.",
  linkedin:
    "LinkedIn: a professional post of 80-200 words with short paragraphs, at most 3,000 characters; 3-5 hashtags.",
  facebook: "Facebook: a conversational post of 40-120 words; 1-3 hashtags.",
  instagram:
    "Instagram: a caption of at most 2,200 characters with line breaks; 5-15 hashtags, never more than 30.",
};

export function buildMessages(payload: ContentGenerationPayload, context: GenerationContext): ChatMessage[] {
  const n = payload.variationsPerPlatform;
  const system = [
    "You are a senior social media copywriter for a marketing team. Write posts that are ready to publish.",
    `For each platform in the JSON schema write exactly ${n} distinct variation${n > 1 ? "s" : ""}.`,
    "Put the post body in `text` and its hashtags, without '#', in `hashtags`.",
    "Use facts from the provided context only; never invent statistics, quotes or links.",
    ...payload.platforms.map((p) => `- ${STYLE[p]}`),
  ].join("\n");

  const lines = [`Topic: ${payload.topic}`];
  if (payload.tone) lines.push(`Tone: ${payload.tone}`);
  if (payload.audience) lines.push(`Audience: ${payload.audience}`);
  if (payload.callToAction) lines.push(`Call to action: ${payload.callToAction}`);
  if (context.items.length) {
    lines.push("", "Context from the user's library (most relevant first):");
    for (const item of context.items) {
      const head = [item.title, item.url && `(${item.url})`].filter(Boolean).join(" ");
      lines.push(`- ${head ? `${head}: ` : ""}${item.snippet}`);
    }
  }
  if (context.insights) {
    lines.push(
      "",
      "Brand insights from the user's analytics (best platforms, top posts and hashtags):",
      context.insights,
    );
  }
  return [
    { role: "system", content: system },
    { role: "user", content: lines.join("\n") },
  ];
}

/** The turn sent after a reply that did not parse, so the model tries once more. */
export function malformedFollowUp(previous: string, reason: string): ChatMessage[] {
  return [
    { role: "assistant", content: previous.slice(0, 4000) },
    {
      role: "user",
      content: `That reply was not valid JSON for the schema (${reason}). Reply again with only the JSON.`,
    },
  ];
}

export interface Violation {
  platform: Platform;
  /** 0-based variation index. */
  variation: number;
  problems: string[];
}

/** The turn asking for replacements of the variations that broke a rule, naming each violation. */
export function violationFollowUp(previous: string, violations: readonly Violation[]): ChatMessage[] {
  const list = violations.map(
    (v) => `- ${PLATFORM_RULES[v.platform].label} variation ${v.variation + 1}: ${v.problems.join("; ")}`,
  );
  const counts = new Map<Platform, number>();
  for (const v of violations) counts.set(v.platform, (counts.get(v.platform) ?? 0) + 1);
  const wanted = [...counts].map(([p, c]) => `${c} for ${p}`).join(", ");
  return [
    { role: "assistant", content: previous },
    {
      role: "user",
      content: [
        "These variations break the platform rules:",
        ...list,
        `Rewrite only them, in the same order, well within the limits (${wanted}); hashtags count toward the length.`,
      ].join("\n"),
    },
  ];
}
