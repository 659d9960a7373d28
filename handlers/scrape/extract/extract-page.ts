// A web page → one context item's fields: metadata (title, description, canonical URL, published
// date) and the main readable text without navigation, headers, footers, ads, cookie banners or scripts.
import { type CheerioAPI, load } from "cheerio/slim";
import { boundNesting } from "./bound-nesting.js";
import { flattenDeep } from "./dom.js";
import { extractMainText } from "./main-text.js";
import { extractMetadata, jsonLd, type PageMetadata } from "./metadata.js";

export interface ExtractedPage extends PageMetadata {
  text: string;
}

export function extractPage(html: string, pageUrl: string): ExtractedPage {
  const bounded = boundNesting(html);
  const parse = () => {
    const $ = load(bounded);
    flattenDeep($.root().get(0)!);
    return $;
  };
  let first: CheerioAPI | null = parse();
  const meta = extractMetadata(first, pageUrl);
  const ldBody = articleBody(first);
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
function articleBody($: CheerioAPI): string | null {
  const body = jsonLd($)?.articleBody;
  if (typeof body !== "string" || !body.trim()) return null;
  const text = /<[a-z][^>]*>/i.test(body) ? load(body).root().text() : body;
  return text.replace(/[ \t\u00a0]+/g, " ").trim() || null;
}
