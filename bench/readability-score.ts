// Word-shingle precision/recall/F1 of extracted text against a reference text (Readability's output).
// Shared by bench/readability.ts and test/scrape/readability.test.ts.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "cheerio/slim";
import { extractPage } from "../handlers/scrape/extract/extract-page.js";
import { htmlToText } from "../handlers/scrape/extract/html-text.js";

/** Shingle width in words. */
export const SHINGLE = 4;

export function shingles(text: string, n = SHINGLE): Map<string, number> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = new Map<string, number>();
  if (words.length < n && words.length) out.set(words.join(" "), 1);
  for (let i = 0; i + n <= words.length; i++) {
    const k = words.slice(i, i + n).join(" ");
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

export interface Score {
  precision: number;
  recall: number;
  f1: number;
}

/** Multiset overlap of shingles: precision over ours, recall over the reference. */
export function score(got: string, expected: string): Score {
  const a = shingles(got);
  const b = shingles(expected);
  let inter = 0;
  let na = 0;
  let nb = 0;
  for (const v of a.values()) na += v;
  for (const v of b.values()) nb += v;
  for (const [k, v] of a) inter += Math.min(v, b.get(k) ?? 0);
  const precision = na ? inter / na : nb ? 0 : 1;
  const recall = nb ? inter / nb : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

export interface PageResult extends Score {
  page: string;
  titleMatch: boolean;
  ms: number;
}

export function pagesDir(from: string): string {
  return join(from, "..", "shared", "data", "readability-test-pages");
}

export function listPages(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "source.html")))
    .map((d) => d.name)
    .sort();
}

export function scorePage(dir: string, page: string): PageResult {
  const source = readFileSync(join(dir, page, "source.html"), "utf8");
  const expectedHtml = readFileSync(join(dir, page, "expected.html"), "utf8");
  const meta = JSON.parse(readFileSync(join(dir, page, "expected-metadata.json"), "utf8")) as {
    title?: string;
  };
  const t0 = performance.now();
  const got = extractPage(source, "http://fakehost/test/page.html");
  const ms = performance.now() - t0;
  const expected = htmlToText(load(expectedHtml).root().get(0)!);
  const norm = (s: string | null | undefined) => (s ?? "").replace(/\s+/g, " ").trim().toLowerCase();
  return { page, ...score(got.text, expected), titleMatch: norm(got.title) === norm(meta.title), ms };
}

/** The baseline: all of <body>'s text, no extraction. */
export function scoreBaseline(dir: string, page: string): PageResult {
  const $ = load(readFileSync(join(dir, page, "source.html"), "utf8"));
  const expected = htmlToText(
    load(readFileSync(join(dir, page, "expected.html"), "utf8"))
      .root()
      .get(0)!,
  );
  const body = $("body").get(0) ?? $.root().get(0)!;
  return { page, ...score(htmlToText(body), expected), titleMatch: false, ms: 0 };
}

export function summarize(results: PageResult[]) {
  const stat = (k: "precision" | "recall" | "f1") => {
    const v = results.map((r) => r[k]).sort((x, y) => x - y);
    const mean = v.reduce((s, x) => s + x, 0) / (v.length || 1);
    const mid = v.length
      ? v.length % 2
        ? v[(v.length - 1) / 2]!
        : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2
      : 0;
    return { mean, median: mid };
  };
  return { precision: stat("precision"), recall: stat("recall"), f1: stat("f1") };
}
