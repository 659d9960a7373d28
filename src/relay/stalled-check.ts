// Adaptive stalled-job checks. BullMQ checks each queue for stalled jobs (a crashed relay's) every
// `stalledInterval`: one Redis command per queue per interval, the largest idle cost on Upstash, which
// bills per command. While this relay has worked recently (and for a while after it starts, which is when a
// crashed relay's jobs are waiting to be taken over) it checks every `fastMs`; once idle, every `slowMs`.
// Work wakes it: the first job after an idle spell switches back to fast checks at once.
import type { Worker } from "bullmq";
import type { Logger } from "../logger.js";
import { PollLoop } from "../runtime/poll-loop.js";

export interface StalledCheckOptions {
  /** Interval while active. @default 15_000 */
  fastMs: number;
  /** Interval once idle. @default 600_000 */
  slowMs: number;
  /** Idle after this long without a job started here. @default 300_000 */
  idleAfterMs?: number;
  log: Logger;
}

export class AdaptiveStalledCheck {
  private lastActivity = Date.now();
  private fast = true;
  private loop: PollLoop | null = null;

  constructor(
    private readonly workers: readonly Worker[],
    private readonly o: StalledCheckOptions,
  ) {}

  get mode(): "fast" | "slow" {
    return this.fast ? "fast" : "slow";
  }

  /** Looks for idleness every min(30 s, idleAfterMs), on the service's PollLoop. */
  start(): void {
    const idleAfter = this.o.idleAfterMs ?? 300_000;
    this.loop = new PollLoop(
      async () => {
        if (this.fast && Date.now() - this.lastActivity > idleAfter) this.setMode(false);
      },
      { intervalMs: Math.min(30_000, idleAfter), log: this.o.log, name: "stalled-check mode" },
    );
    this.loop.start({ delayFirst: true });
  }

  /** A job started here: check fast again (now, if the checks were slow). */
  activity(): void {
    this.lastActivity = Date.now();
    if (!this.fast) this.setMode(true);
  }

  stop(): Promise<void> {
    return this.loop?.stop() ?? Promise.resolve();
  }

  private setMode(fast: boolean): void {
    this.fast = fast;
    for (const worker of this.workers) {
      // BullMQ reads `opts.stalledInterval` before each wait of its checker loop.
      (worker.opts as { stalledInterval?: number }).stalledInterval = fast ? this.o.fastMs : this.o.slowMs;
      // Restarting the loop checks now and ends the pending long wait.
      if (fast) void worker.startStalledCheckTimer().catch(() => {});
    }
  }
}
