// A web page → one context item's fields: metadata (title, description, canonical URL, published
// date) and the main readable text without navigation, headers, footers, ads, cookie banners or scripts.
import { type CheerioAPI, load } from "cheerio/slim";
import { boundNesting } from "./bound-nesting.js";
import { flattenDeep } from "./dom.js";
import { extractMainText } from "./main-text.js";
import { extractMetadata, type Json, jsonLd, type PageMetadata } from "./metadata.js";
import { scanPage } from "./page-scan.js";

export interface ExtractedPage extends PageMetadata {
  text: string;
}

export function extractPage(html: string, pageUrl: string): ExtractedPage {
  const bounded = boundNesting(html);
  const parse = () => {
    // Start indices give document order after pruning moved nodes (lead.ts); `xmlMode: false` keeps it HTML.
    const $ = load(bounded, { xml: { xmlMode: false, withStartIndices: true } });
    flattenDeep($.root().get(0)!);
    return $;
  };
  let first: CheerioAPI | null = parse();
  const scan = scanPage(first.root().get(0)!);
  const ld = jsonLd(scan);
  const meta = extractMetadata(scan, ld, pageUrl);
  const ldBody = articleBody(ld);
  // The first extraction attempt reuses this parse (metadata reading does not mutate it); retries re-parse.
  const reload = () => {
    const $ = first ?? parse();
    first = null;
    return $;
  };
  const extracted = extractMainText(reload, meta.title);
  // The page's own JSON-LD articleBody stands in when the DOM candidate holds less than half of it.
  const text = ldBody && ldBody.length >= 200 && extracted.length < ldBody.length / 2 ? ldBody : extracted;
  return { ...meta, text };
}

/** JSON-LD `articleBody` as plain text (some sites put HTML in it), or null. */
function articleBody(ld: Json | null): string | null {
  const body = ld?.articleBody;
  if (typeof body !== "string" || !body.trim()) return null;
  const text = /<[a-z][^>]*>/i.test(body) ? load(body).root().text() : body;
  return text.replace(/[ \t\u00a0]+/g, " ").trim() || null;
}
