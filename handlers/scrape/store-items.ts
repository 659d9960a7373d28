// Writes context items idempotently, keyed by (source_id, item_key): a website page is upserted and
// only rewritten when its content hash or language changed (or it was gone); feed entries already stored are skipped.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { contextItems } from "../../db/schema.js";
import { newId } from "../kit/ids.js";

export interface ItemInput {
  key: string;
  url: string | null;
  title: string | null;
  description: string | null;
  text: string;
  publishedAt: Date | null;
  /** BCP 47 tag the page declares (`<html lang>`, `og:locale`). */
  language?: string | null;
}

export interface Owner {
  orgId: string;
  userId: string;
  sourceId: string;
}

/** Hex SHA-256 of what a reader sees: title, description and text. */
export async function contentHash(item: ItemInput): Promise<string> {
  const data = new TextEncoder().encode([item.title ?? "", item.description ?? "", item.text].join("\u0000"));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function rows(owner: Owner, items: ItemInput[], now: Date) {
  return Promise.all(
    items.map(async (item) => ({
      id: newId("ctx"),
      ...owner,
      itemKey: item.key,
      url: item.url,
      title: item.title,
      description: item.description,
      text: item.text,
      publishedAt: item.publishedAt,
      language: item.language ?? null,
      contentHash: await contentHash(item),
      createdAt: now,
      updatedAt: now,
    })),
  );
}

/** Upserts one page; answers whether it was new, changed, or unchanged (nothing written). */
export async function upsertPage(
  db: Db,
  owner: Owner,
  item: ItemInput,
  now: Date,
): Promise<"new" | "changed" | "unchanged"> {
  const [row] = await rows(owner, [item], now);
  const out = await db
    .insert(contextItems)
    .values(row!)
    .onConflictDoUpdate({
      target: [contextItems.sourceId, contextItems.itemKey],
      set: {
        url: sql`excluded.url`,
        title: sql`excluded.title`,
        description: sql`excluded.description`,
        text: sql`excluded.text`,
        publishedAt: sql`excluded.published_at`,
        language: sql`excluded.language`,
        contentHash: sql`excluded.content_hash`,
        goneAt: null,
        updatedAt: now,
      },
      // Rewritten only when something changed, or to bring back a page that had left its site.
      setWhere: sql`${contextItems.contentHash} <> excluded.content_hash or ${contextItems.language} is distinct from excluded.language or ${contextItems.goneAt} is not null`,
    })
    .returning({ inserted: sql<boolean>`(xmax = 0)` });
  if (!out.length) return "unchanged";
  return out[0]!.inserted ? "new" : "changed";
}

const BATCH = 500;

/** Inserts feed entries not stored yet (duplicates inside one feed count once); answers how many were new. */
export async function insertEntries(db: Db, owner: Owner, items: ItemInput[], now: Date): Promise<number> {
  const unique = [...new Map(items.map((i) => [i.key, i])).values()];
  let added = 0;
  for (let i = 0; i < unique.length; i += BATCH) {
    const batch = await rows(owner, unique.slice(i, i + BATCH), now);
    const out = await db
      .insert(contextItems)
      .values(batch)
      .onConflictDoNothing({ target: [contextItems.sourceId, contextItems.itemKey] })
      .returning({ id: contextItems.id });
    added += out.length;
  }
  return added;
}
