// What a site crawl reads from a page besides its text, in one htmlparser2 pass: the declared language
// (`<html lang>`, else `og:locale`, as a canonical BCP 47 tag) and, when asked, its same-host links.
import { Parser } from "htmlparser2";

export interface PageSignals {
  language: string | null;
  /** Same-host http(s) links without fragments, deduplicated, at most `maxLinks`. */
  links: string[];
}

/** "en_US" → "en-US", "ZH-hans-cn" → "zh-Hans-CN"; null for what is no language tag. */
export function languageTag(raw: string | undefined): string | null {
  const tag = raw?.trim().replace(/_/g, "-");
  if (!tag || !/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(tag)) return null;
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/** Absolute same-host page URL of `href`, or null (other hosts, mailto:, javascript:, fragments only). */
export function sameHostUrl(href: string, base: URL): string | null {
  try {
    const u = new URL(href.trim(), base);
    if ((u.protocol !== "http:" && u.protocol !== "https:") || u.hostname !== base.hostname) return null;
    u.hash = "";
    return u.href;
  } catch {
    return null;
  }
}

export function pageSignals(html: string, pageUrl: string, opts: { maxLinks: number }): PageSignals {
  const base = new URL(pageUrl);
  let htmlLang: string | null = null;
  let ogLocale: string | null = null;
  const links = new Set<string>();
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === "html" && htmlLang === null) htmlLang = languageTag(attrs.lang ?? attrs["xml:lang"]);
        else if (name === "meta" && ogLocale === null && attrs.property?.toLowerCase() === "og:locale")
          ogLocale = languageTag(attrs.content);
        else if (name === "base" && attrs.href) {
          const b = sameHostUrl(attrs.href, base);
          if (b) base.href = b;
        } else if (name === "a" && attrs.href && links.size < opts.maxLinks) {
          const url = sameHostUrl(attrs.href, base);
          if (url) links.add(url);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  // Without links wanted, the head is enough; `<html lang>` and `og:locale` are there.
  const end = opts.maxLinks > 0 ? html.length : headEnd(html);
  parser.write(html.slice(0, end));
  parser.end();
  return { language: htmlLang ?? ogLocale, links: [...links] };
}

function headEnd(html: string): number {
  const at = html.search(/<body[\s>]/i);
  return at < 0 ? Math.min(html.length, 256 * 1024) : at;
}
