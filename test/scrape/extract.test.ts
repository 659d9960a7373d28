// Page extraction on its own: metadata sources (JSON-LD, Open Graph, <title>) and degenerate markup
// (hundreds of thousands of nested or unclosed tags) that must stay bounded in time and stack: the nesting
// bound the parser sees, and the one-pass text statistics the scoring reads (exact on real pages).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { load } from "cheerio/slim";
import { describe, expect, it } from "vitest";
import { listPages, pagesDir } from "../../bench/readability-score.js";
import { boundNesting } from "../../handlers/scrape/extract/bound-nesting.js";
import { allElements, type Element, innerText, textStats } from "../../handlers/scrape/extract/dom.js";
import { extractPage } from "../../handlers/scrape/extract/extract-page.js";

const pagesRoot = pagesDir(join(dirname(fileURLToPath(import.meta.url)), "..", ".."));
const pages = listPages(pagesRoot);
const source = (page: string) => readFileSync(join(pagesRoot, page, "source.html"), "utf8");

/** The deepest element of `html` as htmlparser2 (cheerio/slim) builds it. */
function maxDepth(html: string): number {
  let max = 0;
  const stack: Array<[Element, number]> = [[load(html).root().get(0) as unknown as Element, 0]];
  while (stack.length) {
    const [el, d] = stack.pop()!;
    max = Math.max(max, d);
    for (const c of el.children) if (c.type === "tag") stack.push([c as Element, d + 1]);
  }
  return max;
}

describe("extractPage", () => {
  it("reads JSON-LD and Open Graph metadata and resolves the canonical URL", () => {
    const page = extractPage(
      `<html><head><title>Ignored title | Site</title>
      <meta property="og:title" content="OG title wins over title">
      <meta property="og:description" content="OG description.">
      <meta property="og:url" content="https://example.com/og-url">
      <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Site"},
        {"@type":"NewsArticle","headline":"The JSON-LD headline","datePublished":"2023-06-07T20:54:26Z"}]}</script>
      </head><body><article><p>${"Body text of the story, with commas, and enough words. ".repeat(20)}</p></article></body></html>`,
      "https://example.com/a?utm=1",
    );
    expect(page).toMatchObject({
      title: "The JSON-LD headline",
      description: "OG description.",
      canonicalUrl: "https://example.com/og-url",
      publishedAt: new Date("2023-06-07T20:54:26Z"),
    });
    expect(page.text).toContain("Body text of the story");
  });

  it("falls back to the page URL and the <title>", () => {
    const page = extractPage(
      "<html><head><title>Plain page title here</title></head><body><p>Hi.</p></body></html>",
      "https://x.example/p",
    );
    expect(page).toMatchObject({
      title: "Plain page title here",
      canonicalUrl: "https://x.example/p",
      publishedAt: null,
    });
  });

  it("keeps the lead that sits in the article's header, before the body, and not a teaser's", () => {
    const body = "<p>The body of the story, with commas, and enough words to score as prose here.</p>".repeat(
      20,
    );
    const page = extractPage(
      `<html><body><div class="rail"><div class="teaser"><p class="teaser-summary">Another story's summary, which is not part of this one at all.</p></div>
      <div class="teaser"><p class="teaser-summary">And a third story's summary, also not part of this one.</p></div></div>
      <article><header class="entry-header"><h1>The headline</h1>
      <div class="article-intro"><p>The lead says what happened, to whom, and why it matters today.</p></div></header>
      <div class="entry-content">${body}</div></article></body></html>`,
      "https://x.example/story",
    );
    expect(page.text.startsWith("The lead says what happened")).toBe(true);
    expect(page.text).toContain("The body of the story");
    expect(page.text).not.toContain("Another story's summary");
  });

  it("drops related-links headings that open with a non-ASCII letter or are written in CJK, with their lists", () => {
    const body = "<p>The body of the story, with commas, and enough words to score as prose here.</p>".repeat(
      20,
    );
    const page = extractPage(
      `<html><body><article><h1>Story</h1>${body}
      <h3>Ähnliche Beiträge</h3><ul><li><a href="/a">Ein anderer Artikel</a></li><li><a href="/b">Noch einer</a></li></ul>
      <h4>热门推荐</h4><ul><li><a href="/c">另一篇文章的标题</a></li></ul></article></body></html>`,
      "https://x.example/story",
    );
    expect(page.text).toContain("The body of the story");
    for (const gone of ["Ähnliche Beiträge", "Ein anderer Artikel", "热门推荐", "另一篇文章的标题"])
      expect(page.text).not.toContain(gone);
  });

  it("drops short calls to follow the site, advertising labels and the comment section's prompts", () => {
    const body = "<p>The body of the story, with commas, and enough words to score as prose here.</p>".repeat(
      20,
    );
    const page = extractPage(
      `<html><body><article><p>*Werbung. Dieser Beitrag enthält Werbung.</p>${body}
      <p><em>Siguenos en Telegram, Instagram, Facebook y Twitter para recibir todas nuestras actualizaciones</em></p>
      <p>Werbung nervt, sagt der Autor, und erklärt dann ausführlich, warum er trotzdem welche zeigt.</p>
      <p>Sie sind aktuell nicht eingeloggt.</p></article></body></html>`,
      "https://x.example/story",
    );
    expect(page.text).toContain("Werbung nervt, sagt der Autor");
    for (const gone of ["*Werbung.", "Siguenos en Telegram", "nicht eingeloggt"])
      expect(page.text).not.toContain(gone);
  });

  it("drops a boilerplate section taken in as the article's sibling (a copyright line beside the body)", () => {
    const body = "<p>The body of the story, with commas, and enough words to score as prose here.</p>".repeat(
      20,
    );
    const page = extractPage(
      `<html><body><article><div class="entry">${body}</div>
      <div class="copyright">© 2020 Example Media Inc. All Rights Reserved.</div></article></body></html>`,
      "https://x.example/story",
    );
    expect(page.text).toContain("The body of the story");
    expect(page.text).not.toContain("All Rights Reserved");
  });

  it("extracts 50,000 unclosed nested tags", () => {
    const page = extractPage(
      `<html><body>${"<div><a href='/x'>link</a> text ".repeat(50_000)}</body></html>`,
      "https://x.example/",
    );
    expect(page.text.length).toBeGreaterThan(0);
  });

  it("extracts a page of 200,000 nested <div>s (95 s of blocked event loop before the nesting bound)", () => {
    const html = `<html><body>${"<div>".repeat(200_000)}deep text${"</div>".repeat(200_000)}</body></html>`;
    expect(extractPage(html, "https://x.example/").text).toBe("deep text");
  });
});

describe("boundNesting", () => {
  it("blanks opening tags deeper than the bound and keeps every word", () => {
    const html = `<body>${"<div><b>w ".repeat(2_000)}end</body>`;
    const bounded = boundNesting(html, 100);
    expect(maxDepth(bounded)).toBeLessThanOrEqual(101);
    expect(maxDepth(html)).toBeGreaterThan(4_000);
    expect(innerText(load(bounded).root().get(0)!)).toBe(innerText(load(html).root().get(0)!));
  });

  it("follows the parser: implied closes, void elements, <div/> (an opening tag in HTML), SVG self-closing", () => {
    const flat = [
      `<ul>${"<li>item ".repeat(3_000)}</ul>`,
      `<p>${"<p>para <br><img src=x>".repeat(3_000)}`,
      `<table>${"<tr><td>a<td>b".repeat(3_000)}</table>`,
      `<svg>${'<path d="M0 0"/>'.repeat(3_000)}</svg>`,
      `<script>${"<div>".repeat(3_000)}</script><style>${"<b>".repeat(3_000)}</style>`,
    ].join("");
    expect(boundNesting(flat, 100)).toBe(flat); // nothing nests: the same string back
    const selfClosingDivs = `<body>${"<div/>x".repeat(3_000)}</body>`;
    expect(maxDepth(selfClosingDivs)).toBeGreaterThan(3_000);
    expect(maxDepth(boundNesting(selfClosingDivs, 100))).toBeLessThanOrEqual(101);
  });

  it.skipIf(pages.length === 0)("leaves every real test page unchanged", () => {
    for (const page of pages) expect(boundNesting(source(page)), page).toBe(source(page));
  });
});

describe.skipIf(pages.length === 0)("textStats", () => {
  it("gives innerText's length and comma count for every element of every real test page", () => {
    const commas = /[,،﹐︐︑⹀⸲，]/;
    let checked = 0;
    for (const page of pages) {
      const body = load(source(page))("body").get(0);
      if (!body) continue;
      const stats = textStats(body, commas);
      for (const el of allElements(body)) {
        const text = innerText(el);
        expect(stats.get(el), `${page} <${el.name}>`).toMatchObject({
          length: text.length,
          separators: text.split(commas).length - 1,
        });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});
