// Strings Postgres cannot store: text and jsonb refuse the NUL character (U+0000), and jsonb refuses an
// unpaired UTF-16 surrogate (text would silently store U+FFFD instead). Input is checked for them before
// it reaches a query, so it is a 400 naming the field instead of a database error.
import type { FieldIssue } from "./errors.js";

/** A NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the NUL character is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** At most this many fields are reported for one input. */
const MAX_ISSUES = 20;

/** Why `text` cannot be stored, or null when it can. */
export function unstorableReason(text: string): string | null {
  const m = UNSTORABLE.exec(text);
  if (!m) return null;
  return m[0] === "\u0000"
    ? "contains a NUL character (\\u0000), which cannot be stored"
    : "contains an unpaired UTF-16 surrogate (not valid Unicode), which cannot be stored";
}

function join(path: string, key: string | number): string {
  const name =
    typeof key === "number" || !unstorableReason(key) ? String(key) : JSON.stringify(key).slice(1, -1);
  return path ? `${path}.${name}` : name;
}

/**
 * Every string (value or object key) inside `value` that Postgres cannot store, named by its dotted path
 * under `prefix`. Walks with an explicit stack: a deeply nested JSON body cannot overflow the call stack.
 */
export function unstorableFields(value: unknown, prefix = ""): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: Array<[unknown, string]> = [[value, prefix]];
  while (stack.length && issues.length < MAX_ISSUES) {
    const [item, path] = stack.pop()!;
    if (typeof item === "string") {
      const reason = unstorableReason(item);
      if (reason) issues.push({ path: path || "(body)", message: reason });
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], join(path, i)]);
    } else if (item !== null && typeof item === "object") {
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const reason = unstorableReason(key);
        if (reason) issues.push({ path: join(path, key), message: `key ${reason}` });
        stack.push([child, join(path, key)]);
      }
    }
  }
  return issues.slice(0, MAX_ISSUES);
}
