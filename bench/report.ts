// The results table: one row per figure, the system beside raw BullMQ measured in the same run, their
// ratio, the target and whether it is met; plus free-form sections (breakdowns, notes) per scenario.

export interface Row {
  scenario: string;
  metric: string;
  unit: string;
  system: number | null;
  raw: number | null;
  /** How the two compare: "ratio" (system / raw), "delta" (system − raw) or none. */
  compare?: "ratio" | "delta";
  target?: string;
  /** Met, missed, or null when there is no target. */
  pass?: boolean | null;
}

export interface ScenarioResult {
  rows: Row[];
  /** Markdown sections printed after the table (breakdowns, settings, notes). */
  sections: string[];
}

export function fmt(n: number | null | undefined, digits?: number): string {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  const d = digits ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);
  return n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}

function comparison(r: Row): string {
  if (r.system === null || r.raw === null || !r.compare) return "";
  if (r.compare === "ratio") return r.raw === 0 ? "–" : `${fmt(r.system / r.raw, 2)}×`;
  const d = r.system - r.raw;
  return `${d >= 0 ? "+" : ""}${fmt(d)}`;
}

export function table(rows: Row[]): string {
  const lines = [
    "| scenario | figure | system | raw BullMQ | system vs raw | target | met |",
    "|---|---|---:|---:|---:|---|---|",
  ];
  for (const r of rows) {
    const unit = r.unit ? ` ${r.unit}` : "";
    const met = r.pass === undefined || r.pass === null ? "" : r.pass ? "pass" : "**miss**";
    lines.push(
      `| ${r.scenario} | ${r.metric} | ${fmt(r.system)}${r.system === null ? "" : unit} | ${fmt(r.raw)}${
        r.raw === null ? "" : unit
      } | ${comparison(r)} | ${r.target ?? ""} | ${met} |`,
    );
  }
  return lines.join("\n");
}

/** A markdown table of command → per-job counts, system beside raw, largest first. */
export function breakdown(
  title: string,
  system: Record<string, number>,
  raw: Record<string, number> | null,
  digits = 2,
): string {
  const keys = [...new Set([...Object.keys(system), ...Object.keys(raw ?? {})])].sort(
    (a, b) => (system[b] ?? 0) + (raw?.[b] ?? 0) - ((system[a] ?? 0) + (raw?.[a] ?? 0)),
  );
  const head = raw
    ? "| command | system | raw BullMQ |\n|---|---:|---:|"
    : "| statement | system |\n|---|---:|";
  const body = keys.map((k) =>
    raw
      ? `| \`${k}\` | ${fmt(system[k] ?? 0, digits)} | ${fmt(raw[k] ?? 0, digits)} |`
      : `| \`${k.replace(/\|/g, "\\|")}\` | ${fmt(system[k] ?? 0, digits)} |`,
  );
  return [`#### ${title}`, "", head, ...body].join("\n");
}
