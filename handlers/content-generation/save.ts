// Saves a job's posts into content_items, once: one row per (job, platform, variation) and `on conflict do
// nothing`, so a re-delivered job leaves one set. Token usage and cost are split across the rows so that
// summing content_items per organization gives the true totals.
import { asc, eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { contentItems } from "../../db/schema.js";
import type { JobEnvelope } from "../kit/context.js";
import { newId } from "../kit/ids.js";
import type { Platform } from "../kit/platforms.js";
import type { TokenUsage } from "./openai-client.js";
import { extractHashtags } from "./platform-rules.js";

export interface GenerationResult {
  itemIds: string[];
  generator: "openai" | "offline";
  model: string | null;
  usage: TokenUsage & { totalTokens: number };
  costUsd: number;
}

export interface FinalPosts {
  posts: Partial<Record<Platform, string[]>>;
  generator: "openai" | "offline";
  model: string | null;
  usage: TokenUsage;
  costUsd: number;
}

/** `total` split into `parts` whole shares that sum back to `total` (the remainder goes to the first rows). */
function shares(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total - base * parts ? 1 : 0));
}

/** The result of a job whose items are already saved (a re-delivery), rebuilt from the rows; null when none. */
export async function savedResult(db: Db, jobId: string): Promise<GenerationResult | null> {
  const rows = await db
    .select()
    .from(contentItems)
    .where(eq(contentItems.jobId, jobId))
    .orderBy(asc(contentItems.platform), asc(contentItems.variation));
  if (rows.length === 0) return null;
  const promptTokens = rows.reduce((s, r) => s + (r.promptTokens ?? 0), 0);
  const completionTokens = rows.reduce((s, r) => s + (r.completionTokens ?? 0), 0);
  return {
    itemIds: rows.map((r) => r.id),
    generator: rows[0]!.generator === "openai" ? "openai" : "offline",
    model: rows[0]!.model,
    usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
    costUsd: rows.reduce((s, r) => s + (r.costUsd ?? 0), 0),
  };
}

export async function saveItems(
  db: Db,
  job: JobEnvelope,
  final: FinalPosts,
  createdAt: Date,
): Promise<GenerationResult> {
  const entries = Object.entries(final.posts).flatMap(([platform, texts]) =>
    (texts ?? []).map((text, variation) => ({ platform, variation, text })),
  );
  const prompt = shares(final.usage.promptTokens, entries.length);
  const completion = shares(final.usage.completionTokens, entries.length);
  await db
    .insert(contentItems)
    .values(
      entries.map((e, i) => ({
        id: newId("cnt"),
        orgId: job.orgId,
        userId: job.userId,
        jobId: job.jobId,
        platform: e.platform,
        variation: e.variation,
        text: e.text,
        hashtags: extractHashtags(e.text),
        status: "draft",
        generator: final.generator,
        model: final.model,
        promptTokens: final.generator === "openai" ? prompt[i]! : null,
        completionTokens: final.generator === "openai" ? completion[i]! : null,
        costUsd: final.costUsd / entries.length,
        createdAt,
      })),
    )
    .onConflictDoNothing({ target: [contentItems.jobId, contentItems.platform, contentItems.variation] });
  // Whatever a concurrent or earlier delivery saved is the one set; report it.
  const saved = await savedResult(db, job.jobId);
  if (!saved) throw new Error(`content items of job ${job.jobId} vanished after insert`);
  return saved;
}

/** Estimated cost in USD of `usage` at the configured per-million-token prices. */
export function estimateCostUsd(
  usage: TokenUsage,
  prices: { inputPerMTok: number; outputPerMTok: number },
): number {
  return (
    (usage.promptTokens * prices.inputPerMTok + usage.completionTokens * prices.outputPerMTok) / 1_000_000
  );
}
