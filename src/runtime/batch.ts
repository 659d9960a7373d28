// Self-clocking batches (DataLoader) for the hot path's per-job round trips: the first call goes out at
// once; calls made while a batch is in flight wait and leave together when it returns. At low load nothing
// waits (a batch of one); under load one round trip carries many jobs, so Redis commands, Postgres
// statements and socket writes per job fall as the load rises.
import DataLoader from "dataloader";
import { isConnectionError } from "./db-retry.js";

export interface BatchOptions {
  /** @default 256 */
  maxBatchSize?: number;
  /**
   * When a batch fails with an error that is not a connection error, run its items one by one so one
   * bad item (e.g. text Postgres refuses) fails alone instead of failing its neighbours. @default true
   */
  isolateFailures?: boolean;
}

/** A loader whose `load(item)` resolves to `run`'s answer for that item (an Error rejects only it). */
export function selfClockingBatch<I, O>(
  run: (items: readonly I[]) => Promise<readonly (O | Error)[]>,
  opts: BatchOptions = {},
): DataLoader<I, O, I> {
  let tail: Promise<unknown> = Promise.resolve();
  const isolate = opts.isolateFailures ?? true;
  const runIsolated = async (items: readonly I[]): Promise<readonly (O | Error)[]> => {
    try {
      return await run(items);
    } catch (err) {
      if (!isolate || items.length === 1 || isConnectionError(err)) throw err;
      return Promise.all(
        items.map(async (item) => {
          try {
            const [one] = await run([item]);
            return one as O | Error;
          } catch (e) {
            return e instanceof Error ? e : new Error(String(e));
          }
        }),
      );
    }
  };
  return new DataLoader<I, O, I>(
    (items) => {
      const p = runIsolated(items);
      tail = p.catch(() => undefined);
      return p;
    },
    {
      cache: false,
      maxBatchSize: opts.maxBatchSize ?? 256,
      // A new batch leaves once the one in flight has returned (and after this turn's I/O callbacks).
      batchScheduleFn: (dispatch) => {
        void tail.then(() => setImmediate(dispatch));
      },
    },
  );
}
