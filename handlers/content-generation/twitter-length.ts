// X/Twitter's weighted length, following twitter-text v3 (config "v3"): text is NFC-normalized, each URL
// counts as 23, each emoji as 2, code points in the Latin/common ranges as 1 and every other code point as 2.

/** twitter-text v3: ranges weighing 1 (scale 100 → weight 100); everything else weighs 2. */
const LIGHT_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0, 4351],
  [8192, 8205],
  [8208, 8223],
  [8242, 8247],
];
/** t.co wraps every link to this many characters. */
export const TRANSFORMED_URL_LENGTH = 23;

// URLs with a scheme, or bare domains on common TLDs (twitter-text links those too); trailing punctuation is
// not part of the link. Practical subset of twitter-text's extractor: it errs on counting a URL as 23.
const URL_RE =
  /https?:\/\/[^\s<>"]+|(?<![@\w./-])(?:www\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|org|net|io|co|ai|dev|app|me|us|uk|de|fr|es|it|nl|ca|au|info|biz|edu|gov|ly|tv|xyz|so|gg|to|news|blog|shop|tech)(?![\w-])(?::\d+)?(?:\/[^\s<>"]*)?/giu;
const TRAILING_PUNCTUATION = /[.,!?:;'")\]}]+$/u;
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

/** Start/end offsets of the URLs in `text` (as twitter-text would link them). */
export function findUrls(text: string): Array<{ start: number; end: number }> {
  const found: Array<{ start: number; end: number }> = [];
  for (const m of text.matchAll(URL_RE)) {
    const url = m[0].replace(TRAILING_PUNCTUATION, "");
    if (url.length > 0) found.push({ start: m.index, end: m.index + url.length });
  }
  return found;
}

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

function plainWeight(text: string): number {
  let weight = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (EMOJI.test(segment)) {
      weight += 2;
      continue;
    }
    for (const ch of segment) {
      const cp = ch.codePointAt(0) ?? 0;
      weight += LIGHT_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi) ? 1 : 2;
    }
  }
  return weight;
}

/** The length X counts against its 280 limit. */
export function weightedLength(input: string): number {
  const text = input.normalize("NFC");
  let total = 0;
  let last = 0;
  for (const { start, end } of findUrls(text)) {
    total += plainWeight(text.slice(last, start)) + TRANSFORMED_URL_LENGTH;
    last = end;
  }
  return total + plainWeight(text.slice(last));
}
