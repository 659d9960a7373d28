// A job failed for good: its type's onFailed (e.g. counting a source's failures), then the user's
// notification (outbox), then the failure is marked handled, so a relay that stops in between is caught
// up by the next activation (failureUnhandled).
import type { Db } from "../../db/client.js";
import type { JobRow } from "../../db/queries/jobs.js";
import { insertJobFailedNotification, jobHasNotification } from "../../db/queries/notifications.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import { systemClock } from "../../handlers/kit/context.js";
import { coerceError } from "../../handlers/kit/errors.js";
import type { Lifecycle } from "../lifecycle/lifecycle.js";
import type { Logger } from "../logger.js";
import { withDbRetry } from "../runtime/db-retry.js";

export interface FailureDeps {
  db: Db;
  lifecycle: Lifecycle;
  catalog: Catalog;
  log: Logger;
}

export async function handleFailure(deps: FailureDeps, row: JobRow): Promise<void> {
  const { db } = deps;
  const log = deps.log.child({ jobId: row.id, type: row.type, requestId: row.requestId ?? row.id });
  const def = deps.catalog.get(row.type);
  let notify = true;
  if (def?.onFailed) {
    try {
      const answer = await def.onFailed(
        { db, clock: systemClock, log },
        {
          jobId: row.id,
          type: row.type,
          orgId: row.orgId,
          userId: row.userId,
          payload: row.payload,
          errorCode: row.errorCode,
          errorMessage: row.errorMessage ?? "failed",
        },
      );
      if (answer && answer.notify === false) notify = false;
    } catch (err) {
      log.error({ err: coerceError(err).message }, "onFailed threw");
    }
  }
  if (notify && !(await withDbRetry(() => jobHasNotification(db, row.id), log))) {
    await withDbRetry(
      () =>
        insertJobFailedNotification(db, {
          orgId: row.orgId,
          userId: row.userId,
          title: `Job failed: ${row.type}`,
          message: `Job ${row.id} (${row.type}) failed after ${row.attempts} attempt(s): ${row.errorMessage ?? "unknown error"}. Retry it with POST /v1/jobs/${row.id}/retry.`,
          jobId: row.id,
          data: { type: row.type, errorCode: row.errorCode, retry: `/v1/jobs/${row.id}/retry` },
        }),
      log,
    );
  }
  await withDbRetry(() => deps.lifecycle.markFailureHandled(row.id), log);
}
