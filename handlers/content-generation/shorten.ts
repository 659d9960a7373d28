// The last resort for a post that still breaks a platform rule after one regeneration: drop hashtags past the
// platform's cap, then cut at a sentence boundary (or a word boundary plus "…") so the post fits.
import type { Platform } from "../kit/platforms.js";
import { findHashtags, PLATFORM_RULES } from "./platform-rules.js";

const ELLIPSIS = "…";
// Sentence ends: terminal punctuation (plus closing quotes/brackets) then whitespace, or a line break. A regex
// rather than Intl.Segmenter, which is slow on long texts; a last-resort cut does not need its precision.
const SENTENCE_END = /(?<=[.!?…]["'”’)\]]*\s+|\n)/u;

/** The largest n in [0, max] with ok(n), assuming ok is monotonic (true then false). */
function largest(max: number, ok: (n: number) => boolean): number {
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function dropExtraHashtags(text: string, max: number): string {
  const tags = findHashtags(text);
  if (tags.length <= max) return text;
  let out = text;
  for (const { start, end } of tags.slice(max).reverse()) out = out.slice(0, start) + out.slice(end);
  return out
    .replace(/[ \t]+\n/g, "\n")
    .replace(/[ \t]{2,}/g, " ")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Cuts `text` so `fits` holds: whole sentences when that keeps most of it, else whole words and "…". */
export function cutToFit(text: string, fits: (candidate: string) => boolean): string {
  if (fits(text)) return text;
  const parts = text.split(SENTENCE_END);
  const bySentence = parts
    .slice(
      0,
      largest(parts.length, (n) => fits(parts.slice(0, n).join("").trimEnd())),
    )
    .join("")
    .trimEnd();

  const words = text.split(/(?<=\s)(?=\S)/u);
  const wordCut = (n: number) =>
    `${words
      .slice(0, n)
      .join("")
      .trimEnd()
      .replace(/[\s,;:–—-]+$/u, "")}${ELLIPSIS}`;
  const n = largest(words.length, (k) => k === 0 || fits(wordCut(k)));
  const byWord = n > 0 ? wordCut(n) : "";

  if (bySentence.length > 0 && bySentence.length >= 0.6 * byWord.length) return bySentence;
  if (byWord.length > 0) return byWord;
  // One unbroken token longer than the limit: cut inside it, by code point.
  const chars = [...text];
  const k = largest(chars.length, (c) => c === 0 || fits(chars.slice(0, c).join("") + ELLIPSIS));
  return k > 0 ? chars.slice(0, k).join("") + ELLIPSIS : "";
}

/** `text` brought within `platform`'s limits (unchanged when it already is). */
export function shortenForPlatform(platform: Platform, text: string): string {
  const rule = PLATFORM_RULES[platform];
  const capped = rule.maxHashtags === undefined ? text : dropExtraHashtags(text, rule.maxHashtags);
  return cutToFit(capped, (candidate) => rule.measure(candidate) <= rule.maxLength);
}
