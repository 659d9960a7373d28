// The main readable text of a page, after Mozilla Readability's algorithm: strip scripts and obvious
// boilerplate, score paragraphs into their ancestors, pick the best container (plus related siblings),
// then drop link-heavy or form-like blocks inside it. Retried with relaxed rules when too little survives.
import type { CheerioAPI } from "cheerio/slim";
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
} from "./dom.js";
import { htmlToText } from "./html-text.js";
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
import { classWeight, type Flags } from "./weights.js";

const MIN_CHARS = 500;

function isHidden(el: Element): boolean {
  const style = el.attribs.style ?? "";
  return (
    "hidden" in el.attribs ||
    /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style) ||
    (el.attribs["aria-hidden"] === "true" && !/fallback-image/.test(el.attribs.class ?? ""))
  );
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

function hasBlockChild(el: Element): boolean {
  return allElements(el).some((d) => d !== el && BLOCK_CHILDREN.has(d.name));
}

function prune($: CheerioAPI, body: Element, flags: Flags): void {
  $(body).find(STRIP_TAGS).remove();
  for (const el of allElements(body)) {
    if (el === body || !el.parent) continue;
    const match = `${el.attribs.class ?? ""} ${el.attribs.id ?? ""}`;
    if (isHidden(el) || ALWAYS_REMOVE.test(match) || UNLIKELY_ROLES.has(el.attribs.role ?? "")) {
      removeNode(el);
      continue;
    }
    if (!flags.stripUnlikely) continue;
    if (BOILERPLATE_TAGS.has(el.name) || (el.name === "header" && !$(el).find("p").length)) {
      removeNode(el);
      continue;
    }
    if (
      UNLIKELY.test(match) &&
      !MAYBE_CANDIDATE.test(match) &&
      el.name !== "a" &&
      el.name !== "body" &&
      !$(el).closest("table, code").length
    ) {
      removeNode(el);
    }
  }
}

function pickTop(body: Element, flags: Flags): { top: Element; scores: Map<Element, number> } | null {
  const scores = new Map<Element, number>();
  const init = (el: Element) => {
    if (!scores.has(el)) scores.set(el, baseScore(el) + classWeight(el, flags));
  };
  for (const el of allElements(body)) {
    const name = el.name;
    const scored = SCORED_TAGS.has(name) || (name === "div" && !hasBlockChild(el));
    if (!scored) continue;
    const text = innerText(el);
    if (text.length < 25) continue;
    const score = 1 + text.split(/[,،﹐︐︑⹀⸲，]/).length - 1 + Math.min(Math.floor(text.length / 100), 3);
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
    const adjusted = s * (1 - linkDensity(el));
    scores.set(el, adjusted);
    if (adjusted > best) {
      best = adjusted;
      top = el;
    }
  }
  if (!top || tagName(top) === "html") return top ? { top: body, scores } : null;
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

function attempt(load: () => CheerioAPI, flags: Flags): string {
  const $ = load();
  const body = $("body").get(0) ?? $.root().children().get(0);
  if (!isElement(body)) return htmlToText($.root().get(0) as AnyNode);
  prune($, body, flags);
  const picked = pickTop(body, flags);
  if (!picked) return htmlToText(body);
  const nodes = withSiblings(picked.top, picked.scores);
  for (const n of nodes) if (isElement(n)) cleanArticle($, n, flags, picked.scores);
  return nodes
    .map((n) => htmlToText(n))
    .filter(Boolean)
    .join("\n\n");
}

/** The page's main text. `load` re-parses the page (each attempt mutates its own DOM). */
export function extractMainText(load: () => CheerioAPI): string {
  const tries: Flags[] = [
    { stripUnlikely: true, weightClasses: true, cleanConditionally: true },
    { stripUnlikely: false, weightClasses: true, cleanConditionally: true },
    { stripUnlikely: false, weightClasses: false, cleanConditionally: true },
    { stripUnlikely: false, weightClasses: false, cleanConditionally: false },
  ];
  let longest = "";
  for (const flags of tries) {
    const text = attempt(load, flags);
    if (text.length >= MIN_CHARS) return text;
    if (text.length > longest.length) longest = text;
  }
  return longest;
}
