// Page metadata from <head>, JSON-LD and meta tags: title, description, canonical URL, published date,
// byline and site name. Mirrors the order of preference Mozilla Readability uses for the title.
import { type PageScan, textContent } from "./page-scan.js";

export interface PageMetadata {
  title: string | null;
  description: string | null;
  canonicalUrl: string | null;
  publishedAt: Date | null;
  byline: string | null;
  siteName: string | null;
}

const ARTICLE_TYPES =
  /^(Article|AdvertiserContentArticle|NewsArticle|AnalysisNewsArticle|AskPublicNewsArticle|BackgroundNewsArticle|OpinionNewsArticle|ReportageNewsArticle|ReviewNewsArticle|Report|SatiricalArticle|ScholarlyArticle|MedicalScholarlyArticle|SocialMediaPosting|BlogPosting|LiveBlogPosting|DiscussionForumPosting|TechArticle|APIReference|WebPage)$/;

export type Json = Record<string, unknown>;

/** The page's first JSON-LD object of an article type (also inside `@graph`), or null. */
export function jsonLd(scan: PageScan): Json | null {
  for (const el of scan.ldScripts) {
    let data: unknown;
    try {
      data = JSON.parse(textContent(el).replace(/^\s*<!\[CDATA\[|\]\]>\s*$/g, ""));
    } catch {
      continue;
    }
    const queue: unknown[] = [data];
    while (queue.length) {
      const item = queue.shift();
      if (Array.isArray(item)) queue.push(...item);
      else if (item && typeof item === "object") {
        const obj = item as Json;
        const types = ([] as unknown[]).concat(obj["@type"] ?? []);
        if (types.some((t) => typeof t === "string" && ARTICLE_TYPES.test(t))) return obj;
        if (obj["@graph"]) queue.push(obj["@graph"]);
      }
    }
  }
  return null;
}

function str(v: unknown): string | null {
  if (typeof v === "string") return v.trim() || null;
  if (Array.isArray(v)) return str(v[0]);
  if (v && typeof v === "object" && "name" in v) return str((v as Json).name);
  return null;
}

function parseDate(v: string | null | undefined): Date | null {
  if (!v) return null;
  const d = new Date(v.trim());
  return Number.isNaN(d.getTime()) || d.getFullYear() < 1990 ? null : d;
}

function absolute(href: string | null | undefined, base: string): string | null {
  if (!href) return null;
  try {
    const u = new URL(href.trim(), base);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** Readability's <title> heuristic: drop a " | Site" or " - Site" suffix when what remains is long enough. */
function cleanDocumentTitle(scan: PageScan): string | null {
  const orig = scan.title ? textContent(scan.title).replace(/\s+/g, " ").trim() : "";
  if (!orig) return null;
  const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
  let title = orig;
  if (/ [|\-\\/>»–—] /.test(orig)) {
    title = orig.replace(/(.*)[|\-\\/>»–—] .*/gi, "$1").trim();
    if (words(title) < 3) title = orig.replace(/[^|\-\\/>»–—]*[|\-\\/>»–—](.*)/gi, "$1").trim();
  } else if (orig.includes(": ")) {
    const headings = scan.headings.map((h) => textContent(h).trim());
    if (!headings.includes(orig)) {
      title = orig.slice(orig.lastIndexOf(":") + 1).trim();
      if (words(title) < 3) title = orig.slice(orig.indexOf(":") + 1).trim();
      else if (words(orig.slice(0, orig.indexOf(":"))) > 5) title = orig;
    }
  } else if (orig.length > 150 || orig.length < 15) {
    const h1 = scan.headings.filter((h) => h.name === "h1");
    if (h1.length === 1) title = textContent(h1[0]!).replace(/\s+/g, " ").trim();
  }
  if (words(title) <= 4 && words(orig.replace(/[|\-\\/>»–—:]+/g, " ")) - 1 !== words(title)) title = orig;
  return title || null;
}

export function extractMetadata(scan: PageScan, ld: Json | null, pageUrl: string): PageMetadata {
  const meta = new Map<string, string>();
  for (const el of scan.metas) {
    const content = el.attribs.content?.trim();
    if (!content) continue;
    for (const key of [el.attribs.property, el.attribs.name, el.attribs.itemprop]) {
      if (!key) continue;
      for (const k of key.toLowerCase().split(/\s+/))
        if (!meta.has(k)) meta.set(k.replace(/\./g, ":"), content);
    }
  }
  const m = (...keys: string[]) => keys.map((k) => meta.get(k)).find((v) => !!v) ?? null;

  const title =
    str(ld?.headline) ??
    str(ld?.name) ??
    m("dc:title", "dcterm:title", "og:title", "weibo:article:title", "title", "twitter:title") ??
    cleanDocumentTitle(scan);
  const description =
    str(ld?.description) ??
    m("dc:description", "dcterm:description", "og:description", "description", "twitter:description");
  const canonicalUrl = absolute(scan.canonicalHref, pageUrl) ?? absolute(m("og:url"), pageUrl) ?? pageUrl;
  const publishedAt =
    parseDate(str(ld?.datePublished)) ??
    parseDate(
      m(
        "article:published_time",
        "og:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "date",
        "dc:date",
      ),
    ) ??
    parseDate(scan.timeDatetime);
  const byline = str(ld?.author) ?? m("dc:creator", "dcterm:creator", "author", "article:author");
  const siteName = str((ld?.publisher as Json | undefined)?.name) ?? m("og:site_name");
  return { title, description, canonicalUrl, publishedAt, byline, siteName };
}
