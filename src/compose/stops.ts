// What a started service must undo, in reverse order of starting; a failed step is logged and the
// others still run. Also used to unwind a start that failed halfway.
import type { Logger } from "../logger.js";

export class Stops {
  private readonly steps: Array<() => Promise<void>> = [];

  constructor(private readonly log: Logger) {}

  push(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse())
      await step().catch((err: Error) => this.log.warn({ err: err.message }, "stop step failed"));
  }
}
