// Platform rules without I/O: X's weighted length (twitter-text v3), the limits, and the last-resort
// shortening at sentence or word boundaries that never saves anything over a limit.
import { expect, test } from "vitest";
import {
  checkPost,
  composePost,
  extractHashtags,
  PLATFORM_RULES,
} from "../../handlers/content-generation/platform-rules.js";
import { cutToFit, shortenForPlatform } from "../../handlers/content-generation/shorten.js";
import { weightedLength } from "../../handlers/content-generation/twitter-length.js";

test("X weighted length: URLs count 23, emoji and CJK count 2, text is NFC-normalized", () => {
  expect(weightedLength("hello")).toBe(5);
  expect(weightedLength(`read https://example.com/${"a".repeat(80)} now`)).toBe(5 + 23 + 4);
  expect(weightedLength("see example.com/pricing.")).toBe(4 + 23 + 1);
  expect(weightedLength("http://x.co")).toBe(23);
  expect(weightedLength("👍🏽")).toBe(2);
  expect(weightedLength("👨‍👩‍👧‍👦")).toBe(2);
  expect(weightedLength("🇫🇷")).toBe(2);
  expect(weightedLength("日本語")).toBe(6);
  expect(weightedLength("e\u0301")).toBe(1);
  expect(weightedLength("“quoted” — dash")).toBe(15);
  expect(checkPost("twitter", "a".repeat(280))).toEqual([]);
  expect(checkPost("twitter", "a".repeat(281))).toEqual([
    "the X/Twitter post is 281 characters (each URL counts as 23, emoji and CJK characters as 2); the limit is 280",
  ]);
  expect(checkPost("twitter", "語".repeat(140))).toEqual([]);
  expect(checkPost("twitter", "語".repeat(141))).toHaveLength(1);
});

test("limits of LinkedIn, Facebook and Instagram", () => {
  expect(checkPost("linkedin", "a".repeat(3000))).toEqual([]);
  expect(checkPost("linkedin", "a".repeat(3001))).toHaveLength(1);
  expect(checkPost("facebook", "a".repeat(63206))).toEqual([]);
  expect(checkPost("facebook", "a".repeat(63207))).toHaveLength(1);
  expect(checkPost("instagram", "a".repeat(2201))).toHaveLength(1);
  const tags = (n: number) => Array.from({ length: n }, (_, i) => `#t${i}a`).join(" ");
  expect(checkPost("instagram", `hi ${tags(30)}`)).toEqual([]);
  expect(checkPost("instagram", `hi ${tags(31)}`)).toEqual([
    "the Instagram post has 31 hashtags; the limit is 30",
  ]);
});

test("composePost appends only hashtags the body lacks; extractHashtags ignores #1 and anchors", () => {
  expect(composePost("Go #Solar today", ["solar", "#Energy", "not a tag!", "2024"])).toBe(
    "Go #Solar today\n\n#Energy #notatag",
  );
  expect(extractHashtags("Issue #12, see a.com/#top, then #Go_Green and #go_green")).toEqual(["Go_Green"]);
});

test("shortening keeps whole sentences when that keeps most of the text", () => {
  const text = `${"This sentence is about forty characters. ".repeat(10).trim()}`;
  const out = shortenForPlatform("twitter", text);
  expect(weightedLength(out)).toBeLessThanOrEqual(280);
  expect(out).toMatch(/characters\.$/);
  expect(out.length).toBeGreaterThan(200);
});

test("one long sentence is cut at a word boundary with an ellipsis, never inside a URL", () => {
  const url = "https://example.com/some/really/long/path/that/goes/on";
  const text = `${"word ".repeat(60)}${url} ${"tail ".repeat(30)}`.trim();
  const out = shortenForPlatform("twitter", text);
  expect(weightedLength(out)).toBeLessThanOrEqual(280);
  expect(out.endsWith("…")).toBe(true);
  expect(
    out.includes("https://example.com/some/really/long/path/that/goes/on") || !out.includes("https"),
  ).toBe(true);
  expect(out).not.toMatch(/\s…$/);
});

test("a single unbroken token longer than the limit is still cut to fit", () => {
  const out = shortenForPlatform("linkedin", "x".repeat(5000));
  expect(out.length).toBeLessThanOrEqual(3000);
  expect(checkPost("linkedin", out)).toEqual([]);
});

test("hashtags past Instagram's 30 are dropped, the rest of the caption is kept", () => {
  const tags = Array.from({ length: 40 }, (_, i) => `#tag${i}x`);
  const out = shortenForPlatform("instagram", `Caption line.\n\n${tags.join(" ")}`);
  expect(out).toBe(`Caption line.\n\n${tags.slice(0, 30).join(" ")}`);
});

test("a huge Facebook post is shortened quickly (binary search, not word by word)", () => {
  const text = "Lorem ipsum dolor sit amet. ".repeat(4000);
  const started = performance.now();
  const out = shortenForPlatform("facebook", text);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(out.length).toBeLessThanOrEqual(PLATFORM_RULES.facebook.maxLength);
  expect(cutToFit("fits", () => true)).toBe("fits");
});
