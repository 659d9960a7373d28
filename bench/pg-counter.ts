// Counts the Postgres statements this process sends through node-postgres (drizzle's driver here), by
// wrapping pg.Client.prototype.query: Pool.query runs on a client, so each statement counts once. Statements
// are grouped by their first words, so a breakdown shows which query runs how often.
import pg from "pg";

const counts = new Map<string, number>();
let installed = false;

function shape(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 90 ? `${flat.slice(0, 90)}…` : flat;
}

export function installPgCounter(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text =
      typeof first === "string"
        ? first
        : first && typeof first === "object" && "text" in first
          ? String((first as { text: unknown }).text)
          : "?";
    const key = shape(text);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return original.apply(this, args);
  };
}

export function pgCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}
