// Serializes schedule reconciles across instances with a Postgres advisory lock held by one transaction:
// two instances reconciling at once take turns, and the periodic reconcile costs no Redis command.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client.js";

/**
 * Runs `fn` inside a transaction holding the reconcile lock of `prefix`; `fn` must use the `tx` it is given
 * (PGlite has one connection: a query on the outer handle would wait for this transaction).
 */
export async function withReconcileLock<T>(db: Db, prefix: string, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // A waiter gives up after 30 s (as the Redis lock did); a holder stuck on a driver call loses its
    // session after 2 minutes idle, which releases the lock.
    await tx.execute(
      sql`select set_config('lock_timeout', '30s', true), set_config('idle_in_transaction_session_timeout', '120s', true)`,
    );
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`flywheel:schedules:${prefix}`}))`);
    return fn(tx as unknown as Db);
  });
}
