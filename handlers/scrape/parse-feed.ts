// RSS 2.0, Atom and RDF (RSS 1.0) → entries, with rss-parser's `parseString` on a body we fetched
// ourselves. xml2js/sax never expand DTD entities, so entity bombs and external entities fail to
// parse (a clear `not_a_feed` error). rss-parser is loaded lazily: on workerd it needs `nodejs_compat`.
import { load } from "cheerio/slim";
import { PermanentError } from "../kit/errors.js";
import { htmlToText } from "./extract/html-text.js";

export interface FeedEntry {
  key: string;
  url: string | null;
  title: string | null;
  text: string;
  publishedAt: Date | null;
}

type RawItem = Record<string, unknown>;

function s(v: unknown): string | null {
  if (typeof v === "string") return v.trim() || null;
  if (v && typeof v === "object" && "_" in v) return s((v as { _: unknown })._);
  return null;
}

function absolute(href: string | null, base: string): string | null {
  if (!href) return null;
  try {
    const u = new URL(href, base);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

function date(v: string | null): Date | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function looksLikeHtml(body: string): boolean {
  return /^\s*(<!--[\s\S]*?-->\s*)*(<!doctype html|<html[\s>])/i.test(body.slice(0, 2048));
}

export async function parseFeed(
  body: string,
  feedUrl: string,
): Promise<{ title: string | null; entries: FeedEntry[] }> {
  if (looksLikeHtml(body))
    throw new PermanentError("not_a_feed", `${feedUrl} is an HTML page, not an RSS/Atom/RDF feed`);
  const { default: Parser } = await import("rss-parser");
  const parser = new Parser({ customFields: { item: ["content:encoded", "id", "description"] } });
  let feed: Awaited<ReturnType<typeof parser.parseString>>;
  try {
    feed = await parser.parseString(body);
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    throw new PermanentError("not_a_feed", `${feedUrl} is not a valid RSS/Atom/RDF feed: ${why}`);
  }
  const entries: FeedEntry[] = [];
  for (const raw of feed.items as unknown as RawItem[]) {
    const url = absolute(s(raw.link), feedUrl);
    const html = s(raw["content:encoded"]) ?? s(raw.content) ?? s(raw.summary) ?? s(raw.description) ?? "";
    const text = html ? htmlToText(load(html).root().get(0)!) : "";
    const title = s(raw.title);
    const key = s(raw.guid) ?? s(raw.id) ?? url;
    if (!key || (!text && !title)) continue;
    entries.push({ key, url, title, text, publishedAt: date(s(raw.isoDate) ?? s(raw.pubDate)) });
  }
  return { title: feed.title ?? null, entries };
}
