// Extraction quality on both development sets, read from ../shared/data (kept out of the repo): pooled
// snippet F1 on trafilatura-eval (pages judged by people) and mean shingle F1 on Readability's test pages.
// Fails when either drops more than 0.005 below the figure last committed here. Figures: npx tsx bench/extraction.ts
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { listPages, pagesDir, scorePage, summarize } from "../../bench/readability-score.js";
import { loadSnippetPages, pool, scoreSnippetPage, snippetDir } from "../../bench/snippet-score.js";

/** The last committed figures; raise them with each improvement (README "Extraction quality"). */
const COMMITTED = { trafilaturaF1: 0.934, trafilaturaPrecision: 0.918, readabilityF1: 0.972 };
const SLACK = 0.005;

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const snippetPages = loadSnippetPages(snippetDir(repo));
const readabilityDir = pagesDir(repo);
const readabilityPages = listPages(readabilityDir);

describe.skipIf(snippetPages.length === 0)("trafilatura-eval", () => {
  it(`keeps the boilerplate out and the article in (${snippetPages.length} pages judged by people)`, () => {
    const s = pool(snippetPages.map(scoreSnippetPage));
    expect(s.f1).toBeGreaterThanOrEqual(COMMITTED.trafilaturaF1 - SLACK);
    expect(s.precision).toBeGreaterThanOrEqual(COMMITTED.trafilaturaPrecision - SLACK);
  }, 120_000);
});

describe.skipIf(readabilityPages.length === 0)("readability-test-pages", () => {
  it(`agrees with Readability's output (${readabilityPages.length} pages)`, () => {
    const s = summarize(readabilityPages.map((p) => scorePage(readabilityDir, p)));
    expect(s.f1.mean).toBeGreaterThanOrEqual(COMMITTED.readabilityF1 - SLACK);
  }, 120_000);
});

if (snippetPages.length === 0)
  console.warn(`[extraction-scores] trafilatura-eval skipped: no pages at ${snippetDir(repo)}`);
if (readabilityPages.length === 0)
  console.warn(`[extraction-scores] readability pages skipped: no pages at ${readabilityDir}`);
