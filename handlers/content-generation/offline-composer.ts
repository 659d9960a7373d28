// The offline composer (no OPENAI_API_KEY): deterministic, readable posts for each platform from the topic,
// tone, audience, call to action and context items. No AI; the items are saved with generator "offline".

import type { Platform } from "../kit/platforms.js";
import type { GenerationContext } from "./context.js";
import type { ContentGenerationPayload } from "./payload.js";
import { composePost } from "./platform-rules.js";

const STOP_WORDS = new Set(
  "best better big can get gets good great help helps how keep make makes many new next small simple tips ways win wins about above after again also among and are because been before being between both but can could does doing during each every few from further have having here how into its just more most much must now off once only other our ours out over own same should since some such than that the their theirs them then there these they this those through too under until very was were what when where which while who why will with within without would you your yours".split(
    " ",
  ),
);

type Voice = "playful" | "formal" | "warm";

function voiceOf(tone: string | undefined): Voice {
  if (tone && /play|fun|casual|witty|humor|light/i.test(tone)) return "playful";
  if (tone && /formal|professional|authorit|expert|serious|corporate/i.test(tone)) return "formal";
  return "warm";
}

const OPENERS: Record<Voice, readonly string[]> = {
  warm: ["Let's talk about", "We've been thinking about", "Here's a quick look at"],
  playful: ["Hot take incoming:", "Okay, real talk about", "Plot twist:"],
  formal: ["A closer look at", "Why it matters:", "Key perspective on"],
};

const CLOSERS: Record<Voice, readonly string[]> = {
  warm: ["What do you think?", "We'd love to hear your take.", "Share it with someone who needs it."],
  playful: ["Who's with us?", "Tell us we're wrong. 👇", "Tag a friend who gets it."],
  formal: [
    "We welcome your perspective.",
    "How is your team approaching this?",
    "Your insights are welcome.",
  ],
};

/** Up to `max` hashtags from the topic's distinctive words (then the audience's), CamelCased. */
export function topicHashtags(payload: ContentGenerationPayload, max: number): string[] {
  const distinct = (text: string) =>
    [...new Set((text.match(/[\p{L}][\p{L}\p{N}]{3,}/gu) ?? []).map((w) => w.toLowerCase()))].filter(
      (w) => !STOP_WORDS.has(w),
    );
  // The topic's longest words are usually its most distinctive; keep them in the order they appear.
  const topic = distinct(payload.topic);
  const chosen = new Set([...topic].sort((a, b) => b.length - a.length).slice(0, max));
  const tags = topic.filter((w) => chosen.has(w));
  for (const w of distinct(payload.audience ?? "")) if (tags.length < max && !tags.includes(w)) tags.push(w);
  return tags.map((w) => w[0]!.toUpperCase() + w.slice(1));
}

/** "How small…" → "how small…" after an opener, leaving acronyms and names like "AI" or "iPhone" alone. */
const lowerFirst = (s: string) => (/^\p{Lu}\p{Ll}/u.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s);
const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;
const sentence = (s: string) => (/[.!?…]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);
const firstSentence = (s: string) => (s.match(/^.*?[.!?](?=\s|$)/)?.[0] ?? s).trim();

function contextLines(context: GenerationContext, max: number): string[] {
  return context.items.slice(0, max).map((item) => {
    const what = item.title ?? firstSentence(item.snippet).slice(0, 140);
    return item.url ? `${what}: ${item.url}` : what;
  });
}

function compose(
  platform: Platform,
  payload: ContentGenerationPayload,
  context: GenerationContext,
  v: number,
): string {
  const voice = voiceOf(payload.tone);
  const lead = pick(OPENERS[voice], v);
  const opener = `${lead} ${lead.endsWith(":") ? payload.topic.trim() : lowerFirst(payload.topic.trim())}`;
  const forWhom = payload.audience ? ` For ${payload.audience.trim()}, this is worth a minute.` : "";
  const cta = payload.callToAction ? sentence(payload.callToAction) : pick(CLOSERS[voice], v);
  const related = contextLines(context, platform === "twitter" ? 1 : 3);
  const keyPoint = context.items[0] ? sentence(firstSentence(context.items[0].snippet)) : "";

  switch (platform) {
    case "twitter":
      return composePost(
        [sentence(opener), related[0] ?? "", cta].filter(Boolean).join(" "),
        topicHashtags(payload, 2),
      );
    case "linkedin":
      return composePost(
        [
          sentence(opener),
          `${keyPoint ? `${keyPoint} ` : ""}Teams that get this right spend less time guessing and more time doing what works.${forWhom}`,
          related.length ? `Worth reading:\n${related.map((r) => `• ${r}`).join("\n")}` : "",
          cta,
        ]
          .filter(Boolean)
          .join("\n\n"),
        topicHashtags(payload, 4),
      );
    case "facebook":
      return composePost(
        [`${sentence(opener)}${forWhom}`, keyPoint, related[0] ? `More here: ${related[0]}` : "", cta]
          .filter(Boolean)
          .join("\n\n"),
        topicHashtags(payload, 2),
      );
    case "instagram":
      return composePost(
        [sentence(opener), keyPoint, forWhom.trim(), payload.callToAction ? cta : `${cta} Link in bio.`]
          .filter(Boolean)
          .join("\n\n"),
        topicHashtags(payload, 8),
      );
  }
}

/** One text per requested variation per platform; not yet checked against the platform rules. */
export function composeOffline(
  payload: ContentGenerationPayload,
  context: GenerationContext,
): Partial<Record<Platform, string[]>> {
  const posts: Partial<Record<Platform, string[]>> = {};
  for (const platform of payload.platforms) {
    posts[platform] = Array.from({ length: payload.variationsPerPlatform }, (_, v) =>
      compose(platform, payload, context, v),
    );
  }
  return posts;
}
