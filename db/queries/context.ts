// Context sources and items (the context library scrapes fill), always scoped to an organization.
// Items are searched with Postgres full-text search on the generated `search` column.
import { and, desc, eq, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Db } from "../client.js";
import { contextItems, contextSources } from "../schema.js";

export type ContextSourceRow = typeof contextSources.$inferSelect;
export type ContextItemRow = typeof contextItems.$inferSelect;
type Cursor = { createdAt: Date; id: string };

function before(cols: { createdAt: PgColumn; id: PgColumn }, c?: Cursor) {
  if (!c) return undefined;
  return or(lt(cols.createdAt, c.createdAt), and(eq(cols.createdAt, c.createdAt), lt(cols.id, c.id)));
}

export async function insertSource(
  db: Db,
  row: typeof contextSources.$inferInsert,
): Promise<ContextSourceRow> {
  const [out] = await db.insert(contextSources).values(row).returning();
  return out!;
}

export async function getSource(db: Db, orgId: string, id: string): Promise<ContextSourceRow | null> {
  const [row] = await db
    .select()
    .from(contextSources)
    .where(and(eq(contextSources.id, id), eq(contextSources.orgId, orgId)))
    .limit(1);
  return row ?? null;
}

export async function listSources(
  db: Db,
  f: { orgId: string; userId?: string; limit: number; cursor?: Cursor },
): Promise<ContextSourceRow[]> {
  const conds: Array<SQL | undefined> = [eq(contextSources.orgId, f.orgId), before(contextSources, f.cursor)];
  if (f.userId) conds.push(eq(contextSources.userId, f.userId));
  return db
    .select()
    .from(contextSources)
    .where(and(...conds))
    .orderBy(desc(contextSources.createdAt), desc(contextSources.id))
    .limit(f.limit);
}

export async function updateSource(
  db: Db,
  orgId: string,
  id: string,
  patch: { name?: string | null; enabled?: boolean },
  now: Date,
): Promise<ContextSourceRow | null> {
  const [row] = await db
    .update(contextSources)
    .set({ ...patch, updatedAt: now })
    .where(and(eq(contextSources.id, id), eq(contextSources.orgId, orgId)))
    .returning();
  return row ?? null;
}

/** Deletes the source and (by cascade) its items; false when there was none. */
export async function deleteSource(db: Db, orgId: string, id: string): Promise<boolean> {
  const out = await db
    .delete(contextSources)
    .where(and(eq(contextSources.id, id), eq(contextSources.orgId, orgId)))
    .returning({ id: contextSources.id });
  return out.length > 0;
}

export async function listItems(
  db: Db,
  f: { orgId: string; userId?: string; sourceId?: string; q?: string; limit: number; cursor?: Cursor },
): Promise<ContextItemRow[]> {
  // Items of pages gone from their site are kept but not listed.
  const conds: Array<SQL | undefined> = [
    eq(contextItems.orgId, f.orgId),
    isNull(contextItems.goneAt),
    before(contextItems, f.cursor),
  ];
  if (f.userId) conds.push(eq(contextItems.userId, f.userId));
  if (f.sourceId) conds.push(eq(contextItems.sourceId, f.sourceId));
  if (f.q) conds.push(sql`${contextItems.search} @@ websearch_to_tsquery('english', ${f.q})`);
  return db
    .select()
    .from(contextItems)
    .where(and(...conds))
    .orderBy(desc(contextItems.createdAt), desc(contextItems.id))
    .limit(f.limit);
}
