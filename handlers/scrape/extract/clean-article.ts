// Cleans the chosen article container in place, after Readability's "clean conditionally": drops
// blocks that look like navigation, share bars, forms or galleries rather than prose.
import type { CheerioAPI } from "cheerio/slim";
import { allElements, type Element, innerText, linkDensity, removeNode } from "./dom.js";
import { classWeight, type Flags } from "./weights.js";

const CONDITIONAL = new Set([
  "form",
  "fieldset",
  "table",
  "ul",
  "ol",
  "div",
  "section",
  "aside",
  "header",
  "footer",
]);
const EMBED =
  /\/\/(www\.)?((dailymotion|youtube|youtube-nocookie|player\.vimeo|v\.qq)\.com|(archive|upload\.wikimedia)\.org|player\.twitch\.tv)/i;

function countTags(el: Element, names: string[]): number {
  return allElements(el).filter((d) => d !== el && names.includes(d.name)).length;
}

function looksLikeDataTable(el: Element): boolean {
  if (el.name !== "table") return false;
  if (el.attribs.role === "presentation" || el.attribs.datatable === "0") return false;
  if (el.attribs.summary) return true;
  return (
    countTags(el, ["th", "thead", "tfoot", "caption", "col", "colgroup"]) > 0 || countTags(el, ["tr"]) > 10
  );
}

function shouldRemove(el: Element, flags: Flags, scores: Map<Element, number>): boolean {
  if (looksLikeDataTable(el)) return false;
  if (el.parent && allElements(el).some((d) => d.name === "table" && looksLikeDataTable(d))) return false;
  if (
    allElements(el).some((d) => d.name === "code" || d.name === "pre") &&
    el.name !== "ul" &&
    el.name !== "ol"
  ) {
    return false;
  }
  const weight = classWeight(el, flags);
  if (weight + (scores.get(el) ?? 0) < 0) return true;
  const text = innerText(el);
  if (text.split(/[,，]/).length - 1 >= 10) return false;
  const p = countTags(el, ["p"]);
  const img = countTags(el, ["img"]);
  const li = countTags(el, ["li"]) - 100;
  const input = countTags(el, ["input"]);
  const headingChars = allElements(el)
    .filter((d) => /^h[1-6]$/.test(d.name))
    .reduce((n, h) => n + innerText(h).length, 0);
  const headingDensity = text.length ? headingChars / text.length : 0;
  const embeds = allElements(el).filter(
    (d) => ["object", "embed", "iframe", "video"].includes(d.name) && !EMBED.test(d.attribs.src ?? ""),
  ).length;
  const ld = linkDensity(el);
  const isList = el.name === "ul" || el.name === "ol";
  const inFigure = (() => {
    for (let a = el.parent; a; a = a.parent) if ((a as Element).name === "figure") return true;
    return false;
  })();
  return (
    (img > 1 && p / img < 0.5 && !inFigure) ||
    (!isList && li > p) ||
    input > Math.floor(p / 3) ||
    (!isList && headingDensity < 0.9 && text.length < 25 && (img === 0 || img > 2) && !inFigure) ||
    (!isList && weight < 25 && ld > 0.2) ||
    (weight >= 25 && ld > 0.5) ||
    (embeds === 1 && text.length < 75) ||
    embeds > 1
  );
}

export function cleanArticle($: CheerioAPI, root: Element, flags: Flags, scores: Map<Element, number>): void {
  // Headings that are link lists or marked negative are navigation, not part of the story.
  for (const h of allElements(root).filter((d) => /^h[1-6]$/.test(d.name))) {
    if (classWeight(h, flags) < 0 || linkDensity(h) > 0.33) removeNode(h);
  }
  // Readability leaves the <h1> to the title field.
  $(root).find("h1").remove();
  if (!flags.cleanConditionally) return;
  // Innermost first, so a container is judged after its bad children are gone.
  for (const el of allElements(root).reverse()) {
    if (el === root || !el.parent || !CONDITIONAL.has(el.name)) continue;
    if (shouldRemove(el, flags, scores)) removeNode(el);
  }
}
