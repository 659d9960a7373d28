// Readability's DIV normalisation before scoring: a DIV holding a single <p> becomes that <p>; a DIV
// without block children becomes a <p>; runs of inline content beside blocks are wrapped in <p>s.
// Without this, text written straight into DIVs would never score.
import type { CheerioAPI } from "cheerio/slim";
import {
  type AnyNode,
  allElements,
  type Element,
  elementChildren,
  isElement,
  linkDensity,
  removeNode,
} from "./dom.js";
import { BLOCK_CHILDREN } from "./patterns.js";

const PHRASING = new Set(
  "abbr audio b bdo br button cite code data datalist dfn em embed i img input kbd label mark math meter noscript object output progress q ruby samp script select small span strong sub sup textarea time var wbr a del ins".split(
    " ",
  ),
);

function isPhrasing(node: AnyNode): boolean {
  if (node.type === "text") return true;
  if (!isElement(node)) return false;
  return PHRASING.has(node.name) && node.children.every(isPhrasing);
}

function blockDescendants(root: Element): Set<Element> {
  const out = new Set<Element>();
  const walk = (el: Element): boolean => {
    let has = false;
    for (const c of elementChildren(el)) if (walk(c) || BLOCK_CHILDREN.has(c.name)) has = true;
    if (has) out.add(el);
    return has;
  };
  walk(root);
  return out;
}

function isBlankText(node: AnyNode): boolean {
  return node.type === "comment" || (node.type === "text" && !node.data.trim());
}

export function normalizeDivs($: CheerioAPI, root: Element): void {
  const blocky = blockDescendants(root);
  for (const div of allElements(root)) {
    if (div.name !== "div" || !div.parent) continue;
    // Wrap runs of inline content in <p> so they score like paragraphs.
    if (
      div.children.some((c) => isElement(c) && !isPhrasing(c)) &&
      div.children.some((c) => isPhrasing(c) && !isBlankText(c))
    ) {
      let run: AnyNode[] = [];
      const flush = () => {
        if (run.some((n) => !isBlankText(n))) {
          const p = $("<p></p>").insertBefore(run[0] as never);
          for (const n of run) p.append(n as never);
        }
        run = [];
      };
      for (const child of [...div.children]) {
        if (isPhrasing(child)) run.push(child);
        else flush();
      }
      flush();
    }
    const kids = elementChildren(div);
    const onlyP =
      kids.length === 1 &&
      kids[0]!.name === "p" &&
      div.children.every((c) => c === kids[0] || isBlankText(c));
    if (onlyP && linkDensity(div) < 0.25) {
      const p = kids[0]!;
      const parent = div.parent;
      const at = parent.children.indexOf(div);
      removeNode(p);
      parent.children.splice(at, 1, p);
      p.parent = parent;
      p.prev = div.prev;
      p.next = div.next;
      if (p.prev) p.prev.next = p;
      if (p.next) p.next.prev = p;
      div.parent = null;
    } else if (!blocky.has(div)) {
      div.name = "p";
      div.tagName = "p";
    }
  }
}
