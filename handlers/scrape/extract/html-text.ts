// Serialises a DOM subtree to readable plain text: paragraphs separated by blank lines, list items
// and line breaks on their own lines, whitespace collapsed except inside <pre>.
import { type AnyNode, type Element, isElement } from "./dom.js";

const BLOCK = new Set(
  "address article aside blockquote dd details dialog div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table tbody thead tfoot tr ul caption".split(
    " ",
  ),
);
const SKIP = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "head",
  "title",
  "svg",
  "math",
  "button",
  "select",
]);

/** `skip` leaves out the subtrees it returns true for. */
export function htmlToText(node: AnyNode, skip?: (el: Element) => boolean): string {
  const parts: string[] = [];
  const walk = (n: AnyNode, pre: boolean) => {
    if (n.type === "text") {
      parts.push(pre ? n.data : n.data.replace(/\s+/g, " "));
      return;
    }
    if (!isElement(n) && n.type !== "root") return;
    const name = isElement(n) ? n.name.toLowerCase() : "";
    if (SKIP.has(name) || (skip && isElement(n) && skip(n))) return;
    if (name === "br") return void parts.push("\n");
    if (name === "img") {
      const alt = isElement(n) ? n.attribs.alt : undefined;
      return void (alt ? parts.push(` ${alt} `) : undefined);
    }
    const block = BLOCK.has(name);
    if (block) parts.push(name === "li" || name === "tr" || name === "dt" || name === "dd" ? "\n" : "\n\n");
    if (name === "td" || name === "th") parts.push(" ");
    for (const c of (n as { children: AnyNode[] }).children) walk(c, pre || name === "pre");
    if (block) parts.push(name === "li" || name === "tr" || name === "dt" || name === "dd" ? "\n" : "\n\n");
  };
  walk(node, false);
  return parts
    .join("")
    .split("\n")
    .map((line) => line.replace(/[ \t\u00a0]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
