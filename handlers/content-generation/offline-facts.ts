// What the offline composer quotes: concrete sentences out of the user's best-matching context items (a
// sentence with a number or a proper detail beats a vague one), and the hashtags that performed best for them.

import type { Platform } from "../kit/platforms.js";
import type { ContextSnippet, GenerationContext } from "./context.js";

export interface Fact {
  /** One sentence from the item, ending in punctuation. */
  sentence: string;
  title: string | null;
  url: string | null;
}

/** Sentence ends: terminal punctuation followed by whitespace (so "6.5" and "example.com" stay whole). */
const SENTENCE_END = /(?<=[.!?…])\s+/u;

/** Higher is more concrete: digits, a percentage or currency, a capitalised name mid-sentence; 40-220 chars. */
function concreteness(s: string): number {
  let score = 0;
  if (/\d/.test(s)) score += 3;
  if (/%|\$|€|£/.test(s)) score += 2;
  if (/\s\p{Lu}\p{Ll}+/u.test(s.slice(1))) score += 1;
  if (s.length < 40) score -= 2;
  if (s.length > 220) score -= 3;
  return score;
}

function bestSentence(item: ContextSnippet): string | null {
  const sentences = item.snippet
    .split(SENTENCE_END)
    .map((s) => s.trim())
    .filter(Boolean);
  let best: string | null = null;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const s of sentences) {
    const score = concreteness(s);
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  if (!best) return null;
  const clipped = best.length > 220 ? `${best.slice(0, 217).replace(/\s+\S*$/u, "")}…` : best;
  return /[.!?…]$/u.test(clipped) ? clipped : `${clipped}.`;
}

/** One fact from each of the first `max` items (the best matches come first), skipping items with no sentence. */
export function factsFrom(context: GenerationContext, max: number): Fact[] {
  const facts: Fact[] = [];
  for (const item of context.items) {
    if (facts.length >= max) break;
    const sentence = bestSentence(item);
    if (sentence) facts.push({ sentence, title: item.title, url: item.url });
  }
  return facts;
}

/** The user's best hashtags for `platform` (then overall), then `fallback`, at most `max`, no repeats. */
export function bestTags(
  context: GenerationContext,
  platform: Platform,
  fallback: readonly string[],
  max: number,
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const own = [...(context.hashtags?.byPlatform[platform] ?? []), ...(context.hashtags?.overall ?? [])];
  for (const tag of [...own, ...fallback]) {
    const key = tag.toLowerCase();
    if (seen.has(key) || out.length >= max) continue;
    seen.add(key);
    out.push(tag);
  }
  return out;
}
