// Extraction flags and class/id weights (Readability: +25 for content-like names, -25 for boilerplate).
import type { Element } from "./dom.js";
import { NEGATIVE, POSITIVE } from "./patterns.js";

export interface Flags {
  stripUnlikely: boolean;
  weightClasses: boolean;
  cleanConditionally: boolean;
}

export function classWeight(el: Element, flags: Flags): number {
  if (!flags.weightClasses) return 0;
  let w = 0;
  for (const v of [el.attribs.class, el.attribs.id]) {
    if (!v) continue;
    if (NEGATIVE.test(v)) w -= 25;
    if (POSITIVE.test(v)) w += 25;
  }
  return w;
}
