// Each platform's hard limits, and the check that names a violation in words the model (and a user) can act
// on. X counts weighted characters (twitter-text); the others count UTF-16 units, which never undercounts.
import type { Platform } from "../kit/platforms.js";
import { weightedLength } from "./twitter-length.js";

export interface PlatformRule {
  label: string;
  /** Maximum length in the platform's own unit (see `measure`). */
  maxLength: number;
  /** Maximum number of hashtags, where the platform has one. */
  maxHashtags?: number;
  measure(text: string): number;
  /** How the limit is described in a violation. */
  unit: string;
}

const utf16 = (text: string) => text.length;

export const PLATFORM_RULES: Readonly<Record<Platform, PlatformRule>> = {
  twitter: {
    label: "X/Twitter",
    maxLength: 280,
    measure: weightedLength,
    unit: "characters (each URL counts as 23, emoji and CJK characters as 2)",
  },
  linkedin: { label: "LinkedIn", maxLength: 3000, measure: utf16, unit: "characters" },
  facebook: { label: "Facebook", maxLength: 63206, measure: utf16, unit: "characters" },
  instagram: { label: "Instagram", maxLength: 2200, maxHashtags: 30, measure: utf16, unit: "characters" },
};

// A hashtag: `#` not glued to a word, then letters/digits/underscores with at least one letter.
const HASHTAG_RE = /(?<![\p{L}\p{N}_&/#])#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)/gu;

/** Every hashtag occurrence in `text`, with its offsets (`tag` without the `#`). */
export function findHashtags(text: string): Array<{ tag: string; start: number; end: number }> {
  return [...text.matchAll(HASHTAG_RE)].map((m) => ({
    tag: m[1]!,
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/** The distinct hashtags of `text`, first occurrence first, without `#`. */
export function extractHashtags(text: string): string[] {
  const seen = new Map<string, string>();
  for (const { tag } of findHashtags(text))
    if (!seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
  return [...seen.values()];
}

/** What is wrong with `text` on `platform`, in plain words; empty when it is within every limit. */
export function checkPost(platform: Platform, text: string): string[] {
  const rule = PLATFORM_RULES[platform];
  const problems: string[] = [];
  if (text.trim().length === 0) problems.push(`the ${rule.label} post is empty`);
  const length = rule.measure(text);
  if (length > rule.maxLength) {
    problems.push(`the ${rule.label} post is ${length} ${rule.unit}; the limit is ${rule.maxLength}`);
  }
  const hashtags = findHashtags(text).length;
  if (rule.maxHashtags !== undefined && hashtags > rule.maxHashtags) {
    problems.push(`the ${rule.label} post has ${hashtags} hashtags; the limit is ${rule.maxHashtags}`);
  }
  return problems;
}

/** The post as published: the body, then any of `hashtags` the body does not already contain. */
export function composePost(body: string, hashtags: readonly string[]): string {
  const present = new Set(findHashtags(body).map((h) => h.tag.toLowerCase()));
  const extra: string[] = [];
  for (const raw of hashtags) {
    const tag = raw.replace(/^#+/, "").replace(/[^\p{L}\p{N}_]/gu, "");
    if (!/\p{L}/u.test(tag) || present.has(tag.toLowerCase())) continue;
    present.add(tag.toLowerCase());
    extra.push(`#${tag}`);
  }
  const text = body.trim();
  return extra.length ? `${text}\n\n${extra.join(" ")}` : text;
}
