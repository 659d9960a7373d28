// How many jobs each type's BullMQ worker may hold, so a relay fetches no more than it can start soon: the
// jobs the type holds, its share of the pool's slots no held job claims yet, and one waiting in memory (so a
// freed slot has a job of each busy type to choose from, slot-pool.ts). A full relay thus holds at most one
// job per type beyond what it runs and leaves the rest in the queue for relays with free slots, instead of
// each worker holding up to the whole pool. Applied through each Worker's `concurrency` setter.
import type { Worker } from "bullmq";
import type { SlotPool } from "./slot-pool.js";

/**
 * BullMQ's worker loop looks at its concurrency again only when one of its fetches or jobs settles, so a raise
 * would wait for the type's next finished job: a settled no-op in its loop's queue makes it look now. This is
 * BullMQ's internal `mainLoopQueue` (6.x); should it go, the raise still applies at the next settle.
 */
function nudge(worker: Worker): void {
  const loop = (worker as unknown as { mainLoopQueue?: { add(p: Promise<unknown>): void } | null })
    .mainLoopQueue;
  loop?.add(Promise.resolve(undefined));
}

export class FetchBudget {
  /** Jobs of each type the workers hold (fetched, in the processor: waiting for a slot or running). */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly workers: readonly Worker[],
    private readonly pool: SlotPool,
    private readonly maxOf: (type: string) => number,
  ) {}

  /** A job of `type` entered the processor. */
  hold(type: string): void {
    this.held.set(type, (this.held.get(type) ?? 0) + 1);
    this.retune();
  }

  /** …and left it. */
  release(type: string): void {
    this.held.set(type, (this.held.get(type) ?? 1) - 1);
    this.retune();
  }

  /** Sets each worker's concurrency from the pool's state (on every take, release, hold and release). */
  retune(): void {
    let held = 0;
    let busy = 0;
    for (const n of this.held.values()) {
      held += n;
      if (n > 0) busy++;
    }
    const unclaimed = Math.max(0, this.pool.size - held);
    for (const worker of this.workers) {
      const type = worker.name;
      const mine = this.held.get(type) ?? 0;
      // The unclaimed slots are split between the types that hold jobs (and this one, if it holds none):
      // a lone busy type may take them all, several cannot over-claim them together.
      const share = Math.ceil(unclaimed / Math.max(1, busy + (mine > 0 ? 0 : 1)));
      // One job waiting for a slot per type, unless it already has one.
      const spare = mine > this.pool.runningOf(type) ? 0 : 1;
      const want = Math.max(1, Math.min(this.maxOf(type), mine + share + spare));
      if (worker.concurrency === want) continue;
      // Only a worker that was at its limit may be asleep in its loop; one below it fetches on its own (a
      // nudge there would only trade BullMQ's fetch-with-the-finish for a fetch of its own).
      const stuck = want > worker.concurrency && mine >= worker.concurrency;
      worker.concurrency = want;
      if (stuck) nudge(worker);
    }
  }
}
