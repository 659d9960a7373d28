// The main readable text of a page, after Mozilla Readability's algorithm: strip scripts and obvious
// boilerplate, score paragraphs into their ancestors, pick the best container (plus related siblings),
// then drop link-heavy or form-like blocks inside it. Retried with relaxed rules when too little survives.
import type { CheerioAPI } from "cheerio/slim";
import { dropBoilerplate, isBoilerplateSibling } from "./boilerplate.js";
import { dropBoilerplateLines } from "./boilerplate-lines.js";
import { cleanArticle } from "./clean-article.js";
import {
  type AnyNode,
  allElements,
  type Element,
  elementChildren,
  innerText,
  isElement,
  isInside,
  linkDensity,
  removeNode,
  tagName,
  textStats,
} from "./dom.js";
import { htmlToText } from "./html-text.js";
import { leadsFor, noteLeads } from "./lead.js";
import { normalizeDivs } from "./normalize.js";
import {
  ALWAYS_REMOVE,
  BLOCK_CHILDREN,
  BOILERPLATE_TAGS,
  MAYBE_CANDIDATE,
  SCORED_TAGS,
  STRIP_TAGS,
  UNLIKELY,
  UNLIKELY_ROLES,
} from "./patterns.js";
import { preferLonger } from "./prefer-longer.js";
import { classWeight, type Flags } from "./weights.js";

/** An attempt that keeps this much text is taken; below it the next, more permissive one is tried. */
const MIN_CHARS = 350;
/** A strict pass shorter than SHORT_TEXT is checked against the loose one, taken when LOOSE_FACTOR times longer. */
const SHORT_TEXT = 1000;
const LOOSE_FACTOR = 3;

function isHidden(el: Element): boolean {
  const style = el.attribs.style ?? "";
  return (
    "hidden" in el.attribs ||
    /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style) ||
    (el.attribs["aria-hidden"] === "true" && !/fallback-image/.test(el.attribs.class ?? ""))
  );
}

/** An ad or banner container holds little text and no article; a wrapper named "ad-portal" may hold the page. */
function isSmallBlock(el: Element): boolean {
  const inner = allElements(el);
  if (
    inner.some(
      (d) =>
        d.name === "article" ||
        d.name === "main" ||
        d.attribs.itemprop === "articleBody" ||
        d.attribs.role === "main",
    )
  ) {
    return false;
  }
  return innerText(el).length < 1500;
}

function baseScore(el: Element): number {
  switch (el.name) {
    case "div":
      return 5;
    case "pre":
    case "td":
    case "blockquote":
      return 3;
    case "address":
    case "ol":
    case "ul":
    case "dl":
    case "dd":
    case "dt":
    case "li":
    case "form":
      return -3;
    case "h1":
    case "h2":
    case "h3":
    case "h4":
    case "h5":
    case "h6":
    case "th":
      return -5;
    default:
      return 0;
  }
}

/** Elements that contain a block-level descendant, in one bottom-up pass. */
function withBlockDescendants(root: Element): Set<Element> {
  const out = new Set<Element>();
  const walk = (el: Element): boolean => {
    let has = false;
    for (const c of elementChildren(el)) {
      const sub = walk(c);
      if (sub || BLOCK_CHILDREN.has(c.name)) has = true;
    }
    if (has) out.add(el);
    return has;
  };
  walk(root);
  return out;
}

function words(s: string): string[] {
  return s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Readability's header-duplicates-title test: the heading's words are (nearly) all in the title. */
export function duplicatesTitle(heading: string, title: string | null): boolean {
  if (!title) return false;
  const t = new Set(words(title));
  const h = words(heading);
  if (!h.length) return false;
  const extra = h.filter((w) => !t.has(w)).join(" ").length;
  return 1 - extra / h.join(" ").length > 0.75;
}

const STRIP = new Set(STRIP_TAGS.split(/,\s*/));

function hasAncestor(el: Element, names: string[]): boolean {
  for (let a = el.parent; isElement(a); a = a.parent) if (names.includes(a.name)) return true;
  return false;
}

function prune(body: Element, flags: Flags, title: string | null): void {
  const all = allElements(body);
  for (const el of all) if (el.parent && STRIP.has(el.name)) removeNode(el);
  const dup = all.find(
    (h) => h.parent && (h.name === "h1" || h.name === "h2") && duplicatesTitle(innerText(h), title),
  );
  if (dup) removeNode(dup);
  for (const el of allElements(body)) {
    if (el === body || !el.parent) continue;
    const match = `${el.attribs.class ?? ""} ${el.attribs.id ?? ""}`;
    if (
      isHidden(el) ||
      UNLIKELY_ROLES.has(el.attribs.role ?? "") ||
      (ALWAYS_REMOVE.test(match) && isSmallBlock(el))
    ) {
      removeNode(el);
      continue;
    }
    if (!flags.stripUnlikely) continue;
    if (
      BOILERPLATE_TAGS.has(el.name) ||
      (el.name === "header" && !allElements(el).some((d) => d.name === "p"))
    ) {
      removeNode(el);
      continue;
    }
    if (
      UNLIKELY.test(match) &&
      !MAYBE_CANDIDATE.test(match) &&
      el.name !== "a" &&
      el.name !== "body" &&
      !hasAncestor(el, ["table", "code"])
    ) {
      removeNode(el);
    }
  }
}

/** Commas in the scripts a page may use (each one scores a point, as in Readability). */
const COMMAS = /[,،﹐︐︑⹀⸲，]/;

function pickTop(body: Element, flags: Flags): { top: Element; scores: Map<Element, number> } | null {
  const scores = new Map<Element, number>();
  const blocky = withBlockDescendants(body);
  const init = (el: Element) => {
    if (!scores.has(el)) scores.set(el, baseScore(el) + classWeight(el, flags));
  };
  const texts = textStats(body, COMMAS);
  for (const el of allElements(body)) {
    const name = el.name;
    const scored = SCORED_TAGS.has(name) || (name === "div" && !blocky.has(el));
    if (!scored) continue;
    const text = texts.get(el)!;
    if (text.length < 25) continue;
    const score = 1 + text.separators + Math.min(Math.floor(text.length / 100), 3);
    let level = 0;
    for (let a = el.parent; isElement(a) && level < 5; a = a.parent, level++) {
      init(a);
      const divider = level === 0 ? 1 : level === 1 ? 2 : level * 3;
      scores.set(a, (scores.get(a) ?? 0) + score / divider);
    }
  }
  let top: Element | null = null;
  let best = -Infinity;
  for (const [el, s] of scores) {
    const m = texts.get(el);
    const adjusted = s * (1 - (m?.chars ? Math.min(1, m.linkChars / m.chars) : 0));
    scores.set(el, adjusted);
    if (adjusted > best) {
      best = adjusted;
      top = el;
    }
  }
  if (!top || tagName(top) === "html") return top ? { top: body, scores } : null;
  top = preferLonger(top, best, scores, texts);
  // Several strong candidates under one ancestor: the ancestor is the article.
  const strong = [...scores].filter(([el, s]) => el !== top && s >= best * 0.75).map(([el]) => el);
  if (strong.length >= 3) {
    for (let p = top.parent; isElement(p) && p !== body; p = p.parent) {
      if (strong.filter((s) => isInside(s, p)).length >= 3) {
        top = p;
        break;
      }
    }
  }
  // Walk up while the parent scores higher (the article was split across children).
  let last = scores.get(top) ?? 0;
  for (let p = top.parent; isElement(p) && p !== body; p = p.parent) {
    const s = scores.get(p);
    if (s === undefined) continue;
    if (s < last / 3) break;
    if (s > last) {
      top = p;
      break;
    }
    last = s;
  }
  while (isElement(top.parent) && top.parent !== body && elementChildren(top.parent).length === 1)
    top = top.parent;
  return { top, scores };
}

function withSiblings(top: Element, scores: Map<Element, number>): AnyNode[] {
  const parent = top.parent;
  if (!isElement(parent)) return [top];
  const topScore = scores.get(top) ?? 0;
  const threshold = Math.max(10, topScore * 0.2);
  const out: AnyNode[] = [];
  for (const sib of elementChildren(parent)) {
    if (sib === top) {
      out.push(sib);
      continue;
    }
    let bonus = 0;
    if (sib.attribs.class && sib.attribs.class === top.attribs.class) bonus += topScore * 0.2;
    const s = scores.get(sib);
    if (s !== undefined && s + bonus >= threshold) {
      out.push(sib);
      continue;
    }
    if (sib.name === "p") {
      const text = innerText(sib);
      const ld = linkDensity(sib);
      if (
        (text.length > 80 && ld < 0.25) ||
        (text.length > 0 && text.length <= 80 && ld === 0 && /\.( |$)/.test(text))
      ) {
        out.push(sib);
      }
    }
  }
  return out;
}

function attempt(load: () => CheerioAPI, flags: Flags, title: string | null): string {
  const $ = load();
  const body = $("body").get(0) ?? $.root().children().get(0);
  if (!isElement(body)) return htmlToText($.root().get(0) as AnyNode);
  const leads = noteLeads(body);
  prune(body, flags, title);
  normalizeDivs($, body);
  const picked = pickTop(body, flags);
  if (!picked) return htmlToText(body);
  let nodes = withSiblings(picked.top, picked.scores);
  if (nodes.length > 1) {
    // A sibling taken in for its score may itself be a share bar, a copyright line or a teaser box.
    const stats = textStats(picked.top.parent as Element, COMMAS);
    const total = nodes.reduce((n, el) => n + (isElement(el) ? (stats.get(el)?.length ?? 0) : 0), 0);
    nodes = nodes.filter(
      (n) => n === picked.top || !isElement(n) || !isBoilerplateSibling(n, stats.get(n)?.length ?? 0, total),
    );
  }
  for (const n of nodes) if (isElement(n)) cleanArticle($, n, flags, picked.scores);
  for (const n of nodes) {
    if (!isElement(n)) continue;
    dropBoilerplate(n, textStats(n, COMMAS));
    dropBoilerplateLines(n, textStats(n, COMMAS));
  }
  const text = nodes
    .map((n) => htmlToText(n))
    .filter(Boolean)
    .join("\n\n");
  return [...leadsFor(picked.top, leads, text), text].join("\n\n");
}

/** The page's main text. `load` re-parses the page (each attempt mutates its own DOM); a heading that repeats `title` is dropped. */
export function extractMainText(load: () => CheerioAPI, title: string | null = null): string {
  const tries: Flags[] = [
    { stripUnlikely: true, weightClasses: true, cleanConditionally: true },
    { stripUnlikely: false, weightClasses: true, cleanConditionally: true },
    { stripUnlikely: false, weightClasses: false, cleanConditionally: true },
    { stripUnlikely: false, weightClasses: false, cleanConditionally: false },
  ];
  let longest = "";
  for (const [i, flags] of tries.entries()) {
    const text = attempt(load, flags, title);
    if (text.length >= MIN_CHARS) {
      if (i > 0 || text.length >= SHORT_TEXT) return text;
      // A short text from the strict pass may be a dialog left after its article was pruned as "unlikely".
      const loose = attempt(load, tries[1]!, title);
      return loose.length > text.length * LOOSE_FACTOR ? loose : text;
    }
    if (text.length > longest.length) longest = text;
  }
  return longest;
}
