// A polling loop: runs `round` now and then `intervalMs` after each round ends (never two at once), logs a
// failed round and goes on; `stop` waits for the round in progress. Every background loop of the service
// runs on it: the reconciler, the purge, the notifier, the webhook sender, the stalled-check mode switch.
import type { Logger } from "../logger.js";

export class PollLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly round: () => Promise<unknown>,
    private readonly o: { intervalMs: number; log: Logger; name: string },
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Starts the loop; the first round runs now, or after one interval with `delayFirst`. */
  start(opts: { delayFirst?: boolean } = {}): void {
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.round().then(
        () => {},
        (err: Error) => this.o.log.warn({ err: err.message }, `${this.o.name} round failed`),
      );
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, this.o.intervalMs);
    };
    if (opts.delayFirst) this.timer = setTimeout(loop, this.o.intervalMs);
    else void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
