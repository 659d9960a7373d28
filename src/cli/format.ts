// Plain-text output for the CLI: aligned tables and key/value blocks (`--json` prints the data instead).

export type Cell = string | number | boolean | Date | null | undefined;

export function cell(v: Cell): string {
  if (v === null || v === undefined) return "-";
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export function table(headers: string[], rows: Cell[][]): string {
  if (rows.length === 0) return "(none)";
  const text = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n");
}

export function block(pairs: [string, Cell][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`).join("\n");
}

/** "2026-05-01T10:00:00Z", or a time ago: "30m", "6h", "2d". */
export function parseSince(text: string, now = Date.now()): Date | null {
  const m = /^(\d+)([smhd])$/.exec(text.trim());
  if (m) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
    return new Date(now - Number(m[1]) * unit);
  }
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d;
}
