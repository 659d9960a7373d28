// Maps a raw snake_case row (from db.execute) to a table's typed camelCase row, through drizzle's
// own column mappers, so raw-SQL statements (CTEs) return the same objects as the query builder.
import { getTableColumns, type Table } from "drizzle-orm";

export function rowsOf(result: unknown): Record<string, unknown>[] {
  return ((result as { rows?: Record<string, unknown>[] }).rows ?? []) as Record<string, unknown>[];
}

export function mapRow<T extends Table>(table: T, raw: Record<string, unknown>): T["$inferSelect"] {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = raw[column.name];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as T["$inferSelect"];
}

/** Rows of a `returning *` statement, aligned with the ids asked for: null where no row came back. */
export function alignById<T extends Table>(
  table: T,
  result: unknown,
  ids: readonly string[],
): (T["$inferSelect"] | null)[] {
  const byId = new Map<string, T["$inferSelect"]>();
  for (const raw of rowsOf(result)) byId.set(String(raw.id), mapRow(table, raw));
  return ids.map((id) => byId.get(id) ?? null);
}
