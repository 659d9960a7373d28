// Scores the extractor on both development sets in one go, with even/odd halves:
// trafilatura-eval (snippets judged by people) and Readability's test pages. Run: npx tsx bench/extraction.ts
// [--worst N] [--only STR]. Prints figures only; the README tables are written by hand from them.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { listPages, pagesDir, scorePage, summarize } from "./readability-score.js";
import { half, loadSnippetPages, pool, scoreSnippetPage, snippetDir } from "./snippet-score.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const worst = Number(opt("--worst") ?? 0);
const only = opt("--only");
const f3 = (x: number) => x.toFixed(3);

const pages = loadSnippetPages(snippetDir(repo)).filter((p) => !only || p.id.includes(only));
const results = pages.map(scoreSnippetPage);
for (const [label, set] of [
  ["all", results],
  ["even", results.filter((r) => half(r.id) === "even")],
  ["odd", results.filter((r) => half(r.id) === "odd")],
] as const) {
  const s = pool(set);
  console.log(
    `trafilatura ${label.padEnd(4)} P ${f3(s.precision)} R ${f3(s.recall)} F1 ${f3(s.f1)}  (tp ${s.tp} fn ${s.fn} fp ${s.fp} tn ${s.tn}, ${s.pages} pages, ${s.meanMs.toFixed(2)} ms/page)`,
  );
}
if (worst) {
  const bad = [...results].sort((a, b) => b.fp + b.fn - (a.fp + a.fn)).slice(0, worst);
  for (const r of bad)
    console.log(
      `  ${r.id} fn ${r.fn} fp ${r.fp}  missing ${JSON.stringify(r.missing[0] ?? "").slice(0, 70)}  leaked ${JSON.stringify(r.leaked[0] ?? "").slice(0, 70)}`,
    );
}

if (!only) {
  const dir = pagesDir(repo);
  const rp = listPages(dir).map((p) => scorePage(dir, p));
  const pct = (x: number) => (x * 100).toFixed(1);
  for (const [label, set] of [
    ["all", rp],
    ["even", rp.filter((_, i) => i % 2 === 0)],
    ["odd", rp.filter((_, i) => i % 2 === 1)],
  ] as const) {
    const s = summarize([...set]);
    const ms = set.reduce((n, r) => n + r.ms, 0) / (set.length || 1);
    console.log(
      `readability ${label.padEnd(4)} P ${pct(s.precision.mean)} R ${pct(s.recall.mean)} F1 ${pct(s.f1.mean)} median F1 ${pct(s.f1.median)}  (${set.length} pages, ${ms.toFixed(2)} ms/page)`,
    );
  }
  if (worst) {
    for (const r of [...rp].sort((a, b) => a.f1 - b.f1).slice(0, Math.min(worst, 12)))
      console.log(`  ${r.page} P ${pct(r.precision)} R ${pct(r.recall)} F1 ${pct(r.f1)}`);
  }
}
