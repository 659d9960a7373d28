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

/**
 * Bounds the tree's depth (malformed pages nest thousands of unclosed tags): an element at `maxDepth`
 * keeps only the text of its subtree, as flat text nodes. Iterative, so it cannot overflow the stack.
 */
export function flattenDeep(root: AnyNode, maxDepth = 200): void {
  const stack: Array<[AnyNode, number]> = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (!("children" in node)) continue;
    const parent = node as Element;
    if (depth < maxDepth) {
      for (const c of parent.children) stack.push([c, depth + 1]);
      continue;
    }
    const texts: AnyNode[] = [];
    const inner: AnyNode[] = [...parent.children].reverse();
    while (inner.length) {
      const n = inner.pop()!;
      if (n.type === "text") texts.push(n);
      else if (isElement(n) && n.type === "tag") {
        // Keep a word boundary where a flattened block began.
        const last = texts[texts.length - 1];
        if (last?.type === "text" && BLOCKISH.has(n.name)) last.data += "\n";
        for (let i = n.children.length - 1; i >= 0; i--) inner.push(n.children[i]!);
      }
    }
    parent.children = texts as Element["children"];
    texts.forEach((t, i) => {
      t.parent = parent;
      t.prev = texts[i - 1] ?? null;
      t.next = texts[i + 1] ?? null;
    });
  }
}

const BLOCKISH = new Set([
  "div",
  "p",
  "li",
  "section",
  "article",
  "td",
  "tr",
  "br",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
]);

/** `root` and every element under it, each before its descendants (read backwards: children first). */
function topDown(root: Element): Element[] {
  const order: Element[] = [];
  const stack: Element[] = [root];
  while (stack.length) {
    const el = stack.pop()!;
    order.push(el);
    for (const c of el.children) if (isElement(c)) stack.push(c);
  }
  return order;
}

export interface TextStats {
  /** Length of the element's innerText (whitespace runs collapsed to one space, trimmed). */
  length: number;
  /** Matches of the `separators` pattern in that text. */
  separators: number;
  /** Characters of its text nodes, each collapsed on its own (the link-density measure). */
  chars: number;
  /** Of which inside links (in-page `#anchors` count a third). */
  linkChars: number;
}

/** Collapsed, untrimmed text of a subtree, summarised: enough to join two of them exactly. */
interface Run {
  len: number;
  lead: boolean;
  trail: boolean;
  separators: number;
}

const EMPTY: Run = { len: 0, lead: false, trail: false, separators: 0 };

function join(a: Run, b: Run): Run {
  if (!a.len) return b;
  if (!b.len) return a;
  return {
    len: a.len + b.len - (a.trail && b.lead ? 1 : 0),
    lead: a.lead,
    trail: b.trail,
    separators: a.separators + b.separators,
  };
}

/**
 * For every element under `root`, in one bottom-up pass: innerText's length and separator count (exact),
 * and the text and link-text lengths that link density reads. Calling innerText on every candidate re-read
 * each subtree once per ancestor (quadratic in the depth; 4.6 s on a 5 MB page of unclosed inline tags).
 */
export function textStats(root: Element, separators: RegExp): Map<Element, TextStats> {
  const global = new RegExp(separators.source, `${separators.flags.replace("g", "")}g`);
  const runs = new Map<Element, Run>();
  const out = new Map<Element, TextStats>();
  const order = topDown(root);
  for (let i = order.length - 1; i >= 0; i--) {
    const el = order[i]!;
    // innerText skips the text of scripts and styles; chars counts it, but a parent never adds it.
    const visible = el.type === "tag";
    let run = EMPTY;
    let chars = 0;
    let linkChars = 0;
    for (const c of el.children) {
      if (c.type === "text") {
        const collapsed = c.data.replace(/\s+/g, " ");
        chars += collapsed.length;
        if (!visible) continue;
        run = join(run, {
          len: collapsed.length,
          lead: collapsed.startsWith(" "),
          trail: collapsed.endsWith(" "),
          separators: collapsed.match(global)?.length ?? 0,
        });
      } else if (isElement(c) && c.type === "tag") {
        const m = out.get(c)!;
        run = join(run, runs.get(c)!);
        chars += m.chars;
        linkChars += m.linkChars;
      }
    }
    if (el.name === "a") {
      const href = el.attribs.href ?? "";
      linkChars = chars * (href.startsWith("#") && href.length > 1 ? 0.3 : 1);
    }
    runs.set(el, run);
    out.set(el, {
      length: Math.max(0, run.len - (run.lead ? 1 : 0) - (run.trail ? 1 : 0)),
      separators: run.separators,
      chars,
      linkChars,
    });
  }
  return out;
}
