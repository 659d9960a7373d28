// Small helpers over htmlparser2's DOM (the nodes cheerio/slim parses into): text length, tag tests,
// element children. Types come from domhandler, the DOM cheerio itself is typed on.
import type { AnyNode, Element } from "domhandler";

export type { AnyNode, Element };

export function isElement(node: AnyNode | null | undefined): node is Element {
  return !!node && (node.type === "tag" || node.type === "script" || node.type === "style");
}

export function tagName(node: AnyNode | null | undefined): string {
  return isElement(node) ? node.name.toLowerCase() : "";
}

export function elementChildren(el: Element): Element[] {
  return el.children.filter(isElement);
}

/** Raw text of a subtree (no whitespace normalisation), skipping scripts and styles. */
export function rawText(node: AnyNode): string {
  if (node.type === "text") return node.data;
  if (!isElement(node) && node.type !== "root") return "";
  if (isElement(node) && (node.type === "script" || node.type === "style")) return "";
  let out = "";
  for (const child of (node as Element).children) out += rawText(child);
  return out;
}

/** Text with runs of whitespace collapsed to one space, trimmed. */
export function innerText(node: AnyNode): string {
  return rawText(node).replace(/\s+/g, " ").trim();
}

/** Share of the text that sits inside links (0..1); in-page `#anchors` count a third. */
export function linkDensity(el: Element): number {
  const total = innerText(el).length;
  if (!total) return 0;
  let linked = 0;
  const walk = (node: AnyNode) => {
    if (!isElement(node)) return;
    if (node.name === "a") {
      const href = node.attribs.href ?? "";
      linked += innerText(node).length * (href.startsWith("#") && href.length > 1 ? 0.3 : 1);
      return;
    }
    for (const c of node.children) walk(c);
  };
  walk(el);
  return linked / total;
}

export function removeNode(node: AnyNode): void {
  const parent = node.parent;
  if (!parent) return;
  const i = parent.children.indexOf(node as never);
  if (i >= 0) parent.children.splice(i, 1);
  if (node.prev) node.prev.next = node.next;
  if (node.next) node.next.prev = node.prev;
  node.parent = null;
  node.prev = null;
  node.next = null;
}

/** Every element under `root` in document order (a snapshot, safe to mutate while iterating). */
export function allElements(root: AnyNode): Element[] {
  const out: Element[] = [];
  const walk = (node: AnyNode) => {
    if (isElement(node)) out.push(node);
    if ("children" in node) for (const c of node.children) walk(c);
  };
  walk(root);
  return out;
}

/** True when `node` is inside `ancestor` (or is it). */
export function isInside(node: AnyNode | null, ancestor: AnyNode): boolean {
  for (let n: AnyNode | null = node; n; n = n.parent) if (n === ancestor) return true;
  return false;
}
