// A second look at the winning candidate: Readability's scores favour a short, comma-rich box (an
// advertiser disclosure, a login dialog) over a long article nearby; the longer rival wins when close.
import { type Element, isInside, type textStats } from "./dom.js";

/** preferLonger: a winner under SHORT_TOP prose chars yields to a rival scoring RIVAL_SHARE of it with RIVAL_FACTOR times the prose. */
const SHORT_TOP = 1000;
const RIVAL_SHARE = 0.5;
const RIVAL_FACTOR = 3;

/** A short winner (a disclosure box, a login dialog) yields to a nearly as strong rival holding far more prose. */
export function preferLonger(
  top: Element,
  best: number,
  scores: Map<Element, number>,
  texts: ReturnType<typeof textStats>,
): Element {
  const prose = (el: Element) => {
    const m = texts.get(el);
    return m ? m.chars - m.linkChars : 0;
  };
  const own = prose(top);
  if (own >= SHORT_TOP) return top;
  let pick = top;
  for (const [el, s] of scores) {
    if (s < best * RIVAL_SHARE || isInside(el, top) || isInside(top, el)) continue;
    if (prose(el) > Math.max(own, prose(pick)) * RIVAL_FACTOR) pick = el;
  }
  return pick;
}
