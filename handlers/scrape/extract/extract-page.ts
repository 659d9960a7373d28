// A web page → one context item's fields: metadata (title, description, canonical URL, published
// date) and the main readable text without navigation, headers, footers, ads, cookie banners or scripts.
import { type CheerioAPI, load } from "cheerio/slim";
import { boundNesting } from "./bound-nesting.js";
import { flattenDeep } from "./dom.js";
import { extractMainText } from "./main-text.js";
import { extractMetadata, type PageMetadata } from "./metadata.js";

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
  // The first extraction attempt reuses this parse (metadata reading does not mutate it); retries re-parse.
  const reload = () => {
    const $ = first ?? parse();
    first = null;
    return $;
  };
  const text = extractMainText(reload, meta.title);
  return { ...meta, text };
}
