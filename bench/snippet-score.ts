// Snippet scores on ../shared/data/trafilatura-eval (pages judged by people, kept out of the repo): a
// "with" snippet found in our text is a true positive, a "without" snippet found a false positive; pooled
// precision/recall/F1 as in trafilatura's evaluation and its score.mjs. Shared by bench and test.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { extractPage } from "../handlers/scrape/extract/extract-page.js";

export interface SnippetPage {
  id: string;
  html: string;
  url: string;
  with: string[];
  without: string[];
}

export interface Tally {
  tp: number;
  fn: number;
  fp: number;
  tn: number;
  ms: number;
  pages: number;
}

export interface PageTally extends Tally {
  id: string;
  missing: string[];
  leaked: string[];
}

export function snippetDir(repo: string): string {
  return join(repo, "..", "shared", "data", "trafilatura-eval");
}

export function loadSnippetPages(dir: string): SnippetPage[] {
  const root = join(dir, "pages");
  if (!existsSync(root)) return [];
  const out: SnippetPage[] = [];
  for (const d of readdirSync(root, { withFileTypes: true })) {
    const at = join(root, d.name);
    if (!d.isDirectory() || !existsSync(join(at, "expected.json"))) continue;
    const expected = JSON.parse(readFileSync(join(at, "expected.json"), "utf8")) as {
      with?: string[];
      without?: string[];
    };
    const urlFile = join(at, "url.txt");
    out.push({
      id: d.name,
      html: readFileSync(join(at, "page.html"), "utf8"),
      url: existsSync(urlFile) ? readFileSync(urlFile, "utf8").trim() : "http://example.invalid/",
      with: expected.with ?? [],
      without: expected.without ?? [],
    });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;
/** score.mjs's normalisation: NFC, invisible characters removed, whitespace runs → one space. */
export function normSnippet(s: string): string {
  return s.normalize("NFC").replace(INVISIBLE, "").replace(/\s+/g, " ").trim();
}

export function scoreSnippetPage(page: SnippetPage): PageTally {
  const t0 = performance.now();
  const text = normSnippet(extractPage(page.html, page.url).text);
  const ms = performance.now() - t0;
  const missing = page.with.filter((w) => !text.includes(normSnippet(w)));
  const leaked = page.without.filter((w) => text.includes(normSnippet(w)));
  return {
    id: page.id,
    tp: page.with.length - missing.length,
    fn: missing.length,
    fp: leaked.length,
    tn: page.without.length - leaked.length,
    ms,
    pages: 1,
    missing,
    leaked,
  };
}

export function pool(
  results: Tally[],
): Tally & { precision: number; recall: number; f1: number; meanMs: number } {
  const t = results.reduce(
    (a, r) => ({
      tp: a.tp + r.tp,
      fn: a.fn + r.fn,
      fp: a.fp + r.fp,
      tn: a.tn + r.tn,
      ms: a.ms + r.ms,
      pages: a.pages + r.pages,
    }),
    { tp: 0, fn: 0, fp: 0, tn: 0, ms: 0, pages: 0 },
  );
  const precision = t.tp + t.fp ? t.tp / (t.tp + t.fp) : 0;
  const recall = t.tp + t.fn ? t.tp / (t.tp + t.fn) : 0;
  const f1 = 2 * t.tp + t.fp + t.fn ? (2 * t.tp) / (2 * t.tp + t.fp + t.fn) : 0;
  return { ...t, precision, recall, f1, meanMs: t.pages ? t.ms / t.pages : 0 };
}

/** Even or odd page index (the folder's leading number): two halves to check a gain holds on both. */
export function half(id: string): "even" | "odd" {
  return Number.parseInt(id, 10) % 2 === 0 ? "even" : "odd";
}
