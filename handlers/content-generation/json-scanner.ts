// A small incremental scan of a structured reply still arriving, `{"<platform>": [{...}, {...}], ...}`: it
// returns every variation object already closed, so a draft can be shown before the whole reply is in.

export interface ClosedVariation {
  platform: string;
  /** 0-based index in the platform's array. */
  variation: number;
  value: unknown;
}

/** Every complete `{...}` directly inside a top-level key's array in `text` (a JSON prefix). */
export function closedVariations(text: string): ClosedVariation[] {
  const out: ClosedVariation[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = -1;
  let lastKey = "";
  let platform: string | null = null;
  let arrayAtTwo = false;
  let objectStart = -1;
  let index = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') {
        inString = false;
        if (depth === 1) lastKey = text.slice(stringStart, i + 1);
      }
      continue;
    }
    if (ch === '"') {
      inString = true;
      stringStart = i;
    } else if (ch === ":" && depth === 1) {
      platform = JSON.parse(lastKey) as string;
    } else if (ch === "{" || ch === "[") {
      depth++;
      if (depth === 2) {
        arrayAtTwo = ch === "[";
        index = -1;
      } else if (depth === 3 && ch === "{" && arrayAtTwo) {
        objectStart = i;
        index++;
      }
    } else if (ch === "}" || ch === "]") {
      if (depth === 3 && ch === "}" && objectStart >= 0 && platform !== null) {
        try {
          out.push({ platform, variation: index, value: JSON.parse(text.slice(objectStart, i + 1)) });
        } catch {
          // Not valid JSON after all: the final parse will say why.
        }
        objectStart = -1;
      }
      depth--;
    }
  }
  return out;
}
