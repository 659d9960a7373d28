// Enqueues one page of a schedule's targets through the lifecycle's one enqueue path: rows in one
// statement (a target with a live job of the same dedup key is skipped), fair priorities in one pipeline,
// one addBulk; on a failed add only rows still queued are removed (lifecycle.enqueue).

import type { CreateJobRow } from "../../db/queries/lifecycle/insert.js";
import type { JobTypeDefinition, ScheduleTarget } from "../../handlers/kit/define.js";
import { parsePayload } from "../../handlers/kit/define.js";
import { newId } from "../../handlers/kit/ids.js";
import type { Priority } from "../config.js";
import { payloadHash } from "../jobs/service.js";
import type { Lifecycle } from "../lifecycle/lifecycle.js";

export interface BulkEnqueueDeps {
  lifecycle: Lifecycle;
  maxAttempts: number;
}

export interface BulkResult {
  enqueued: number;
  /** Targets whose previous job is still queued, active or retrying. */
  skipped: number;
  /** Targets whose payload the type's schema refused (logged by the caller). */
  invalid: number;
}

export async function bulkEnqueue(
  deps: BulkEnqueueDeps,
  def: JobTypeDefinition,
  targets: readonly ScheduleTarget[],
  priority: Priority = "low",
): Promise<BulkResult> {
  const result: BulkResult = { enqueued: 0, skipped: 0, invalid: 0 };
  const rows: CreateJobRow[] = [];
  for (const t of targets) {
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
  if (!rows.length) return result;
  // No job event per scheduled job: a fan-out of thousands would flood the SSE stream.
  const created = await deps.lifecycle.enqueue(
    rows.map((row) => ({ row })),
    { actor: "scheduler", publish: false },
  );
  const enqueued = created.filter(Boolean).length;
  result.enqueued += enqueued;
  result.skipped += rows.length - enqueued;
  return result;
}
