// The article's lead (standfirst, intro, summary, subtitle) often sits in the article's header, beside the
// body that wins the scoring, and is pruned with the header or left out as a sibling. Blocks named like a
// lead are noted before pruning; those just before the chosen body, under a close common ancestor and
// outside any boilerplate section, are put back in front of the text.
import { type AnyNode, type Element, isElement, isInside, linkDensity } from "./dom.js";
import { htmlToText } from "./html-text.js";

/** Class/id words of a lead block (several CMSs and languages); camelCase too ("documentDescription"). */
const LEAD =
  /(^|[\s_-])(lead|leader|intro|introduction|teaser|summary|standfirst|chapo|chapeau|excerpt|deck|dek|subtitle|sub-?title|sub-?headline|subheadline|description|abstract|strapline|sapo|entradilla|bajada)([\s_-]|$)|[a-z](Lead|Intro|Summary|Description|Abstract|Subtitle)([\s_-]|$)/;
/** Words on the way up from a lead that make it someone else's: an author box, a related teaser, a sidebar. */
const FOREIGN =
  /(^|[\s_-])(author|related|sidebar|widget|teaser-?list|share|social|newsletter|comments?|footer|promo|recommend|site-description|card|slider|carousel|caption|credits?|img|image|photo|picture|figure|media)/i;
const PICTURE = /(^|[\s_-])(caption|credits?|img|image|photo|picture|media)/i;
const FOREIGN_TAGS = new Set(["aside", "nav", "footer", "li", "figure", "figcaption"]);
/** The article's own header, which the strict pass prunes with the lead in it. */
const HEADER = /(^|[\s_-])head(er)?([\s_-]|$)/i;
const MIN_LEAD = 40;
const MAX_LEAD = 1500;
/** Lead-named blocks too long to be a lead (the article body's own wrapper) searched inside, at most. */
const MAX_OVERSIZED = 3;
/** Leads compared with the text at most (a page of a thousand "lead" paragraphs stays linear). */
const MAX_CHECKED = 5;
/** How far above the chosen body the lead and the body may meet. */
const MAX_UP = 4;

export interface Lead {
  el: Element;
  /** Ancestors before pruning, nearest first. */
  chain: Element[];
  text: string;
}

function isLead(el: Element): boolean {
  const { class: cls, id } = el.attribs;
  return (!!cls && LEAD.test(cls)) || (!!id && LEAD.test(id));
}

/**
 * Notes the lead-like blocks of the unpruned page, outermost first, with their text before pruning. The
 * page must be parsed with start indices (document order after pruning and normalisation moved nodes).
 */
export function noteLeads(body: Element): Lead[] {
  const leads: Lead[] = [];
  const walk = (el: Element, chain: Element[], oversized: number) => {
    if (oversized < MAX_OVERSIZED && el !== body && isLead(el)) {
      if (longerThan(el, MAX_LEAD)) oversized++;
      else {
        const text = htmlToText(el, isPicture);
        if (text.length >= MIN_LEAD && linkDensity(el) < 0.3)
          leads.push({ el, chain: [...chain].reverse(), text });
        return;
      }
    }
    chain.push(el);
    for (const c of el.children) if (isElement(c) && c.type === "tag") walk(c, chain, oversized);
    chain.pop();
  };
  walk(body, [], 0);
  return leads;
}

/** Whether the subtree holds more than `limit` characters of text; stops reading once it does. */
function longerThan(el: Element, limit: number): boolean {
  let n = 0;
  const stack: Element[] = [el];
  while (stack.length) {
    for (const c of stack.pop()!.children) {
      if (c.type === "text") {
        n += c.data.trim().length;
        if (n > limit) return true;
      } else if (isElement(c) && c.type === "tag") stack.push(c);
    }
  }
  return false;
}

/** Pictures and their captions inside a lead block are not the lead. */
function isPicture(el: Element): boolean {
  return el.name === "figure" || el.name === "figcaption" || PICTURE.test(el.attribs.class ?? "");
}

/** Where `el` began in the page (an element made while normalising begins where its first child did). */
function startOf(el: Element): number {
  for (let n: AnyNode | undefined = el; n; n = "children" in n ? n.children[0] : undefined)
    if (n.startIndex !== null) return n.startIndex;
  return -1;
}

/** The leads that open the article whose body is `top`, in document order, not already in `text`. */
export function leadsFor(top: Element, leads: Lead[], text: string): string[] {
  const start = startOf(top);
  const up: Element[] = [];
  for (let n: Element | null = top; n && up.length <= MAX_UP; n = isElement(n.parent) ? n.parent : null)
    up.push(n);
  const out: string[] = [];
  let flatText: string | null = null;
  let checked = 0;
  for (const l of leads) {
    if (checked >= MAX_CHECKED) break;
    let path: Element[];
    const within = l.chain.indexOf(top);
    if (within >= 0) {
      // Inside the body but pruned with the article's header (still attached means it was kept or cleaned out).
      path = [l.el, ...l.chain.slice(0, within)];
      if (isInside(l.el, top) || !path.some((a) => a.name === "header" || HEADER.test(a.attribs.class ?? "")))
        continue;
    } else {
      if (startOf(l.el) >= start) continue;
      const meet = up.findIndex((a) => a.name !== "body" && a.name !== "html" && l.chain.includes(a));
      if (meet < 0) continue;
      path = [l.el, ...l.chain.slice(0, l.chain.indexOf(up[meet]!))];
    }
    if (
      path.some(
        (a) => FOREIGN_TAGS.has(a.name) || FOREIGN.test(`${a.attribs.class ?? ""} ${a.attribs.id ?? ""}`),
      )
    )
      continue;
    checked++;
    flatText ??= text.replace(/\s+/g, " ");
    if (!flatText.includes(l.text.replace(/\s+/g, " "))) out.push(l.text);
  }
  return out;
}
