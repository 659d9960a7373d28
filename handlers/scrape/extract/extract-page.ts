// A web page → one context item's fields: metadata (title, description, canonical URL, published
// date) and the main readable text without navigation, headers, footers, ads, cookie banners or scripts.
import { load } from "cheerio/slim";
import { extractMainText } from "./main-text.js";
import { extractMetadata, type PageMetadata } from "./metadata.js";

export interface ExtractedPage extends PageMetadata {
  text: string;
}

export function extractPage(html: string, pageUrl: string): ExtractedPage {
  const meta = extractMetadata(load(html), pageUrl);
  const text = extractMainText(() => load(html));
  return { ...meta, text };
}
