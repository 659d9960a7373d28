// Main-text extraction quality against Mozilla Readability's own output on its test pages
// (../shared/data/readability-test-pages, kept out of the repo). Run: npx tsx bench/readability.ts
// Prints a markdown summary and writes bench/readability-results.md.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { listPages, pagesDir, SHINGLE, scoreBaseline, scorePage, summarize } from "./readability-score.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = process.env.READABILITY_PAGES ?? pagesDir(repo);
const pages = listPages(dir);
if (!pages.length) {
  console.error(`no test pages in ${dir}`);
  process.exit(1);
}
const results = pages.map((p) => scorePage(dir, p));
const s = summarize(results);
const b = summarize(pages.map((p) => scoreBaseline(dir, p)));
const pct = (x: number) => (x * 100).toFixed(1);
const titles = results.filter((r) => r.titleMatch).length;
const totalMs = results.reduce((n, r) => n + r.ms, 0);
const lines = [
  `# Readability benchmark`,
  ``,
  `${results.length} pages from Mozilla Readability's test suite; ${SHINGLE}-word shingles of our main text vs the text of Readability's expected output.`,
  ``,
  `| metric | mean | median |`,
  `|---|---|---|`,
  `| precision | ${pct(s.precision.mean)} % | ${pct(s.precision.median)} % |`,
  `| recall | ${pct(s.recall.mean)} % | ${pct(s.recall.median)} % |`,
  `| F1 | ${pct(s.f1.mean)} % | ${pct(s.f1.median)} % |`,
  ``,
  `For comparison, the whole <body> text without extraction: precision ${pct(b.precision.mean)} %, recall ${pct(b.recall.mean)} %, F1 ${pct(b.f1.mean)} % (means).`,
  ``,
  `Title identical to Readability's: ${titles}/${results.length}. Extraction time: ${(totalMs / results.length).toFixed(1)} ms per page on average.`,
  ``,
  `## Lowest F1`,
  ``,
  `| page | precision | recall | F1 |`,
  `|---|---|---|---|`,
  ...[...results]
    .sort((a, b) => a.f1 - b.f1)
    .slice(0, 15)
    .map((r) => `| ${r.page} | ${pct(r.precision)} | ${pct(r.recall)} | ${pct(r.f1)} |`),
  ``,
];
const md = lines.join("\n");
console.log(md);
writeFileSync(join(repo, "bench", "readability-results.md"), md);
