// What the prompt knows about the user: their most relevant context items for the topic (Postgres full-text
// search over the library the scrapers fill) and their brand insights (analytics), trimmed to a token budget.
import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { contextItems, insights } from "../../db/schema.js";

/** Prompt budget for context items, in estimated tokens. */
export const CONTEXT_TOKEN_BUDGET = 1500;
/** Prompt budget for the insights summary, in estimated tokens. */
export const INSIGHTS_TOKEN_BUDGET = 400;
const CANDIDATES = 8;
const SNIPPET_CHARS = 700;

export interface ContextSnippet {
  id: string;
  title: string | null;
  url: string | null;
  snippet: string;
}

export interface GenerationContext {
  items: ContextSnippet[];
  /** A compact JSON summary of the user's insights, or null when there are none. */
  insights: string | null;
  /** The user's best-performing hashtags (by engagement), overall and per platform; empty without insights. */
  hashtags?: { overall: string[]; byPlatform: Partial<Record<string, string[]>> };
}

type TagList = Array<{ tag?: unknown }> | undefined;
const tagsOf = (list: TagList): string[] =>
  (Array.isArray(list) ? list : []).map((t) => t?.tag).filter((t): t is string => typeof t === "string");

/** Top hashtags out of an insights document (see analytics-sync/insights.ts), best first. */
export function bestHashtags(data: unknown): NonNullable<GenerationContext["hashtags"]> {
  const doc = (data ?? {}) as {
    overall?: { topHashtags?: TagList };
    platforms?: Record<string, { topHashtags?: TagList } | undefined>;
  };
  const byPlatform: Partial<Record<string, string[]>> = {};
  for (const [platform, entry] of Object.entries(doc.platforms ?? {}))
    byPlatform[platform] = tagsOf(entry?.topHashtags);
  return { overall: tagsOf(doc.overall?.topHashtags), byPlatform };
}

/** A rough token estimate (≈ 4 characters per token for English), good enough for budgeting. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

const squash = (text: string) => text.replace(/\s+/g, " ").trim();

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

export async function findRelevantItems(
  db: Db,
  opts: { orgId: string; userId: string; topic: string; sourceIds?: readonly string[]; tokenBudget?: number },
): Promise<ContextSnippet[]> {
  const words = [...new Set(opts.topic.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [])]
    .filter((w) => w !== "or" && w !== "and")
    .slice(0, 30);
  if (words.length === 0) return [];
  // Items matching every term rank first; then any term, by ts_rank; websearch_to_tsquery never throws on input.
  const all = sql`websearch_to_tsquery('english', ${opts.topic})`;
  const any = sql`websearch_to_tsquery('english', ${words.join(" or ")})`;
  const rows = await db
    .select({
      id: contextItems.id,
      title: contextItems.title,
      url: contextItems.url,
      description: contextItems.description,
      text: sql<string>`left(${contextItems.text}, ${SNIPPET_CHARS * 2})`,
    })
    .from(contextItems)
    .where(
      and(
        eq(contextItems.orgId, opts.orgId),
        eq(contextItems.userId, opts.userId),
        isNull(contextItems.goneAt),
        opts.sourceIds?.length ? inArray(contextItems.sourceId, [...opts.sourceIds]) : undefined,
        sql`${contextItems.search} @@ ${any}`,
      ),
    )
    .orderBy(
      desc(sql`(${contextItems.search} @@ ${all})`),
      desc(sql`ts_rank(${contextItems.search}, ${any})`),
      sql`${contextItems.publishedAt} desc nulls last`,
    )
    .limit(CANDIDATES);

  let budget = opts.tokenBudget ?? CONTEXT_TOKEN_BUDGET;
  const picked: ContextSnippet[] = [];
  for (const row of rows) {
    const body = squash([row.description, row.text].filter(Boolean).join(" — "));
    const snippet = clip(body, SNIPPET_CHARS);
    const cost = estimateTokens(`${row.title ?? ""} ${row.url ?? ""} ${snippet}`) + 8;
    if (cost > budget) break;
    budget -= cost;
    picked.push({ id: row.id, title: row.title, url: row.url, snippet });
  }
  return picked;
}

/** Shrinks any JSON for a prompt: arrays to their first 5 entries, strings to 200 characters, depth to 4. */
function prune(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return clip(value, 200);
  if (Array.isArray(value))
    return depth >= 4 ? `[${value.length} entries]` : value.slice(0, 5).map((v) => prune(v, depth + 1));
  if (value && typeof value === "object") {
    if (depth >= 4) return "{…}";
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, prune(v, depth + 1)]));
  }
  return value;
}

async function insightsData(db: Db, opts: { orgId: string; userId: string }): Promise<unknown> {
  const [row] = await db
    .select({ data: insights.data })
    .from(insights)
    .where(and(eq(insights.orgId, opts.orgId), eq(insights.userId, opts.userId)))
    .limit(1);
  return row?.data ?? null;
}

function summarize(data: unknown, tokenBudget = INSIGHTS_TOKEN_BUDGET): string | null {
  if (data === null || typeof data !== "object") return null;
  const json = JSON.stringify(prune(data));
  if (json === "{}" || json === "[]") return null;
  return clip(json, tokenBudget * 4);
}

export async function loadInsights(
  db: Db,
  opts: { orgId: string; userId: string; tokenBudget?: number },
): Promise<string | null> {
  return summarize(await insightsData(db, opts), opts.tokenBudget);
}

export async function loadGenerationContext(
  db: Db,
  opts: { orgId: string; userId: string; topic: string; sourceIds?: readonly string[] },
): Promise<GenerationContext> {
  const [items, data] = await Promise.all([findRelevantItems(db, opts), insightsData(db, opts)]);
  return { items, insights: summarize(data), hashtags: bestHashtags(data) };
}
