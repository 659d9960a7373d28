// Drops the sections that sit inside an article container but are not the story: share bars, related
// and teaser lists, author boxes, bylines and post metadata, tag lists, comment forms, credits,
// newsletter and donation calls. Recognised by class/id vocabulary (what themes and CMSs name them).
import { type Element, isElement, removeNode, type TextStats } from "./dom.js";

/** Class/id words of boilerplate sections; each must start a class word (after start, space, `-` or `_`). */
const SECTION = new RegExp(
  `(^|[\\s_-])(${[
    "shar(e|ing|edaddy|ebar|ethis)",
    "social",
    "sociable",
    "viral",
    "newsletter",
    "subscri(be|ption)",
    "paywall",
    "donat(e|ion)",
    "related",
    "relatedposts",
    "recommend(ed|ations?)?",
    "more-?(stories|articles|news|posts)",
    "most-?(popular|read|viewed)",
    "read-?next",
    "(next|prev|previous)-?(post|article|story)",
    "post-?(nav|navigation)",
    "teaser",
    "author-?(bio|box|info|description|profile|details)",
    "about-?(the-?)?author",
    "authorbox",
    "author",
    "saboxplugin",
    "byline",
    "(post|entry|article)-?(meta|info|footer|utility|tags|categories)",
    "postmeta(data)?",
    "tag-?(list|cloud|links)",
    "taglist",
    "tags",
    "breadcrumbs?",
    "pagination",
    "pager",
    "comments?",
    "comment-?(list|form|respond|reply)",
    "respond",
    "disqus",
    "rating",
    "credits?",
    "copyright",
    "disclaimer",
    "(editorial-?)?disclosure",
    "affiliate",
    "noprint",
    "no-print",
  ].join("|")})([\\s_-]|$)`,
  "i",
);

/** Elements never dropped by name: the page's own structure. */
const KEEP = new Set(["html", "body", "main", "article", "header", "h1"]);
/** Words that also name the lead paragraph or an editorial comment when on a paragraph or heading. */
const CONTAINER_ONLY = /(^|[\s_-])(teaser|comments?)([\s_-]|$)/i;
const PROSE = new Set(["p", "h2", "h3", "h4", "h5", "h6"]);

/** Share of the container's text above which a section is taken for the story itself. */
const MAX_SHARE = 0.5;
/** Below this many characters a section is never the story, whatever its share of a short page. */
const MIN_SECTION_GUARD = 300;

/** Class words that must open the class name: "widget" is a sidebar box, "elementor-widget-container" the story. */
const WHOLE_CLASS = /(^|\s)(widget|textwidget|sidebar)([\s_-]|$)/i;
/** A caption this short that reads like a credit is the picture's credit, not text the story needs. */
const SHORT_CAPTION = 80;
const CAPTION =
  /(^|[\s_-])(wp-caption-text|caption|credits?|img-author|photo-credit|image-credit|dida|foto-pie|imagedescription)([\s_-]|$)/i;

/** How a picture credit reads: a source, a photographer, an agency or stock library, or "Name/Agency". */
const CREDIT =
  /©|\(c\)|\p{L}\/\s?\p{Lu}|\b(fotos?|photos?|photograph(y|ed)?|pictures?|bild(er)?|image(s|n)?|imagen|crédits?|credits?|crédito|quelle|source|fuente|fonte|via|courtesy|getty|reuters|afp|dpa|ap|epa|shutterstock|istock(photo)?|fotolia|thinkstock|unsplash|pixabay|picture alliance|keystone|imago)\b/iu;

function textOf(el: Element): string {
  let out = "";
  for (const c of el.children)
    out += c.type === "text" ? c.data : isElement(c) && c.type === "tag" ? textOf(c) : "";
  return out;
}

export function isBoilerplateSection(el: Element, len: number): boolean {
  if (KEEP.has(el.name) || el.attribs.itemprop === "articleBody") return false;
  // An id of many words is a heading's anchor ("sharing-with-a-single-developer"), not a section's role.
  const id = el.attribs.id ?? "";
  const names = `${el.attribs.class ?? ""} ${id.split(/[-_]/).length <= 3 ? id : ""}`;
  const caption = el.name === "figcaption" || (el.name !== "figure" && CAPTION.test(names));
  if (caption && len <= SHORT_CAPTION && CREDIT.test(textOf(el))) return true;
  if (WHOLE_CLASS.test(names)) return true;
  if (el.name === "form") return true; // rating, comment and sign-up forms; a page-wide form holds the story (share guard)
  if (!SECTION.test(names)) return false;
  return !PROSE.has(el.name) || !CONTAINER_ONLY.test(names);
}

/** Whether a sibling taken in beside the article is itself such a section (never one holding half the text). */
export function isBoilerplateSibling(el: Element, len: number, total: number): boolean {
  return isBoilerplateSection(el, len) && (len <= total * MAX_SHARE || len < MIN_SECTION_GUARD);
}

/** Removes the boilerplate sections under `root` (never more than half its text in one section). */
export function dropBoilerplate(root: Element, stats: Map<Element, TextStats>): void {
  const total = stats.get(root)?.length ?? 0;
  const walk = (el: Element) => {
    for (const child of [...el.children]) {
      if (!isElement(child)) continue;
      const len = stats.get(child)?.length ?? 0;
      if (isBoilerplateSection(child, len) && (len <= total * MAX_SHARE || len < MIN_SECTION_GUARD)) {
        removeNode(child);
      } else walk(child);
    }
  };
  walk(root);
}
