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

function tally(desc: Element[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of desc) counts.set(d.name, (counts.get(d.name) ?? 0) + 1);
  return counts;
}

function looksLikeDataTable(el: Element, desc: Element[] = allElements(el).slice(1)): boolean {
  if (el.name !== "table") return false;
  if (el.attribs.role === "presentation" || el.attribs.datatable === "0") return false;
  if (el.attribs.summary) return true;
  const n = tally(desc);
  const head = ["th", "thead", "tfoot", "caption", "col", "colgroup"].some((t) => (n.get(t) ?? 0) > 0);
  return head || (n.get("tr") ?? 0) > 10;
}

/** Many paragraphs of long, nearly link-free text: the story itself, whatever its class says (e.g. "…-hidden"). */
function isProse(el: Element, paragraphs: number): boolean {
  return paragraphs >= 5 && innerText(el).length >= 1500 && linkDensity(el) < 0.1;
}

function shouldRemove(el: Element, flags: Flags, scores: Map<Element, number>): boolean {
  const desc = allElements(el).slice(1);
  const n = tally(desc);
  const count = (t: string) => n.get(t) ?? 0;
  if (looksLikeDataTable(el, desc)) return false;
  if (count("table") && desc.some((d) => d.name === "table" && looksLikeDataTable(d))) return false;
  if ((count("code") || count("pre")) && el.name !== "ul" && el.name !== "ol") return false;
  const weight = classWeight(el, flags);
  if (weight + (scores.get(el) ?? 0) < 0 && !isProse(el, count("p"))) return true;
  const text = innerText(el);
  if (text.split(/[,，]/).length - 1 >= 10) return false;
  const p = count("p");
  const img = count("img");
  const li = count("li") - 100;
  const input = count("input");
  const headingChars = desc
    .filter((d) => /^h[1-6]$/.test(d.name))
    .reduce((sum, h) => sum + innerText(h).length, 0);
  const headingDensity = text.length ? headingChars / text.length : 0;
  const embeds = desc.filter(
    (d) => ["object", "embed", "iframe", "video"].includes(d.name) && !EMBED.test(d.attribs.src ?? ""),
  ).length;
  const ld = linkDensity(el);
  const isList = el.name === "ul" || el.name === "ol";
  let inFigure = false;
  for (let a = el.parent; a && !inFigure; a = a.parent) inFigure = (a as Element).name === "figure";
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

export function cleanArticle(
  _$: CheerioAPI,
  root: Element,
  flags: Flags,
  scores: Map<Element, number>,
): void {
  // Headings that are link lists or marked negative are navigation, not part of the story.
  for (const h of allElements(root).filter((d) => /^h[1-6]$/.test(d.name))) {
    if (classWeight(h, flags) < 0 || linkDensity(h) > 0.33) removeNode(h);
  }
  if (!flags.cleanConditionally) return;
  // Innermost first, so a container is judged after its bad children are gone.
  for (const el of allElements(root).reverse()) {
    if (el === root || !el.parent || !CONDITIONAL.has(el.name)) continue;
    if (shouldRemove(el, flags, scores)) removeNode(el);
  }
}
