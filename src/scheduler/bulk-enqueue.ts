// Enqueues many jobs of one type in bulk, per chunk of 1,000: rows in one statement (insertQueuedJobs:
// a target with a live job of the same dedup key is skipped), fair priorities in one pipeline, and one
// `addBulk`. A failed add removes its rows again.
import { inArray } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { type BulkJobRow, insertQueuedJobs } from "../../db/queries/bulk-jobs.js";
import { jobs } from "../../db/schema.js";
import type { JobTypeDefinition } from "../../handlers/kit/define.js";
import { parsePayload } from "../../handlers/kit/define.js";
import { newId } from "../../handlers/kit/ids.js";
import type { Priority } from "../config.js";
import { payloadHash } from "../jobs/service.js";
import { fairPriorities } from "../queue/fairness.js";
import type { Queues } from "../queue/queues.js";
import type { Target } from "./targets.js";

export interface BulkEnqueueDeps {
  db: Db;
  redis: Redis;
  queues: Queues;
  maxAttempts: number;
}

export interface BulkResult {
  enqueued: number;
  /** Targets whose previous job is still queued, active or retrying. */
  skipped: number;
  /** Targets whose payload the type's schema refused (logged by the caller). */
  invalid: number;
}

/** Rows per statement and jobs per addBulk. @default 1000 */
export const CHUNK = 1000;

export async function bulkEnqueue(
  deps: BulkEnqueueDeps,
  def: JobTypeDefinition,
  targets: readonly Target[],
  priority: Priority = "low",
): Promise<BulkResult> {
  const result: BulkResult = { enqueued: 0, skipped: 0, invalid: 0 };
  for (let i = 0; i < targets.length; i += CHUNK) {
    const chunk = targets.slice(i, i + CHUNK);
    const rows: BulkJobRow[] = [];
    for (const t of chunk) {
      let payload: unknown;
      try {
        payload = parsePayload(def.payload, t.payload);
      } catch {
        result.invalid++;
        continue;
      }
      rows.push({
        id: newId("job"),
        orgId: t.orgId,
        userId: t.userId,
        type: def.type,
        priority,
        payload,
        payloadHash: payloadHash(def.type, payload),
        dedupKey: t.dedupKey,
        maxAttempts: deps.maxAttempts,
      });
    }
    if (!rows.length) continue;
    const inserted = await insertQueuedJobs(deps.db, rows);
    result.skipped += rows.length - inserted.length;
    if (!inserted.length) continue;
    try {
      const priorities = await fairPriorities(
        deps.redis,
        deps.queues.prefix,
        inserted.map((r) => ({ queue: def.type, level: priority, orgId: r.orgId, userId: r.userId })),
      );
      await deps.queues.get(def.type).addBulk(
        inserted.map((r, k) => ({
          name: def.type,
          data: { orgId: r.orgId, userId: r.userId },
          opts: { jobId: r.id, priority: priorities[k] as number }, // no rate limit asked: always a number
        })),
      );
    } catch (err) {
      const ids = inserted.map((r) => r.id);
      await deps.db
        .delete(jobs)
        .where(inArray(jobs.id, ids))
        .catch(() => {});
      throw err;
    }
    result.enqueued += inserted.length;
  }
  return result;
}
