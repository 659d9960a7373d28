// One pool of slots for all of a relay's job types (RELAY_CONCURRENCY in all): any type may use any free
// slot up to its RELAY_TYPE_CONCURRENCY maximum (a maximum, not a reservation). When several types wait,
// a freed slot goes to the type running the fewest (the oldest waiter on a tie), so a burst of one type
// never starves another and each busy type converges to at least its equal share. In-process only: a
// job waiting here has made no Postgres write and spent no attempt; no Redis command is sent per wait.

interface Waiter {
  type: string;
  seq: number;
  grant(ok: boolean): void;
}

export class SlotPool {
  private readonly running = new Map<string, number>();
  private readonly waiting: Waiter[] = [];
  private used = 0;
  private seq = 0;
  private closed = false;

  constructor(
    /** Slots in all. */
    readonly size: number,
    /** A type's maximum. @default size */
    private readonly maxOf: (type: string) => number = () => size,
    /** Called after every take and release (the relay retunes how many jobs its workers fetch). */
    private readonly onChange: () => void = () => {},
  ) {}

  /** Resolves true with a slot held, or false when the pool closed first (the relay is stopping). */
  acquire(type: string): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.used < this.size && this.runningOf(type) < this.maxOf(type)) {
      this.take(type);
      return Promise.resolve(true);
    }
    return new Promise((grant) => this.waiting.push({ type, seq: this.seq++, grant }));
  }

  release(type: string): void {
    this.used--;
    this.running.set(type, this.runningOf(type) - 1);
    this.grantNext();
    this.onChange();
  }

  /** Refuses every waiter and every later acquire; slots held stay held until released. */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.grant(false);
  }

  runningOf(type: string): number {
    return this.running.get(type) ?? 0;
  }

  get inUse(): number {
    return this.used;
  }

  waitingOf(type: string): number {
    return this.waiting.filter((w) => w.type === type).length;
  }

  private take(type: string): void {
    this.used++;
    this.running.set(type, this.runningOf(type) + 1);
    this.onChange();
  }

  private grantNext(): void {
    while (this.used < this.size && this.waiting.length) {
      let best = -1;
      for (let i = 0; i < this.waiting.length; i++) {
        const w = this.waiting[i]!;
        if (this.runningOf(w.type) >= this.maxOf(w.type)) continue;
        const b = best < 0 ? null : this.waiting[best]!;
        if (
          !b ||
          this.runningOf(w.type) < this.runningOf(b.type) ||
          (this.runningOf(w.type) === this.runningOf(b.type) && w.seq < b.seq)
        )
          best = i;
      }
      if (best < 0) return; // every waiter's type is at its maximum
      const [w] = this.waiting.splice(best, 1);
      this.take(w!.type);
      w!.grant(true);
    }
  }
}
