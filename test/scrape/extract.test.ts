// Page extraction on its own: metadata sources (JSON-LD, Open Graph, <title>) and degenerate markup
// (tens of thousands of unclosed tags) that must stay bounded in time and stack.
import { describe, expect, it } from "vitest";
import { extractPage } from "../../handlers/scrape/extract/extract-page.js";

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

  it("stays bounded on 50,000 unclosed nested tags", () => {
    const t0 = Date.now();
    const page = extractPage(
      `<html><body>${"<div><a href='/x'>link</a> text ".repeat(50_000)}</body></html>`,
      "https://x.example/",
    );
    expect(page.text.length).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
