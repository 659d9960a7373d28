// Many queued jobs in one statement: column arrays through `unnest` (a fixed 9 parameters whatever the
// count, so a 1,000-row chunk parses fast), `on conflict do nothing` so a live job with the same dedup key
// (partial unique index jobs_dedup_key_live) makes its target skip. Returns the rows actually inserted.
import { sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { rowsOf } from "./rows.js";

export interface BulkJobRow {
  id: string;
  orgId: string;
  userId: string;
  type: string;
  priority: "critical" | "high" | "normal" | "low";
  payload: unknown;
  payloadHash: string;
  dedupKey: string;
  maxAttempts: number;
}

export async function insertQueuedJobs(
  db: Db,
  rows: readonly BulkJobRow[],
): Promise<{ id: string; orgId: string; userId: string }[]> {
  if (!rows.length) return [];
  // sql.param: one array parameter each (a bare array in sql`` would expand into a list).
  const col = <K extends keyof BulkJobRow>(k: K) => sql.param(rows.map((r) => r[k]));
  const res = await db.execute(sql`
    insert into jobs (id, org_id, user_id, type, status, priority, payload, payload_hash, dedup_key, max_attempts)
    select id, org_id, user_id, type, 'queued', priority, payload::jsonb, payload_hash, dedup_key, max_attempts
    from unnest(
      ${col("id")}::text[], ${col("orgId")}::text[], ${col("userId")}::text[], ${col("type")}::text[],
      ${col("priority")}::text[], ${sql.param(rows.map((r) => JSON.stringify(r.payload)))}::text[],
      ${col("payloadHash")}::text[], ${col("dedupKey")}::text[], ${col("maxAttempts")}::int[]
    ) as t(id, org_id, user_id, type, priority, payload, payload_hash, dedup_key, max_attempts)
    on conflict do nothing
    returning id, org_id, user_id`);
  return rowsOf(res).map((r) => ({ id: String(r.id), orgId: String(r.org_id), userId: String(r.user_id) }));
}
