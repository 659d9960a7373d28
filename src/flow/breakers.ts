// The circuit breakers as operators see them (GET /admin/breakers, the CLI, flywheel_breaker_open): every
// dependency that has seen a failure, with its state, recent failures and next probe, and closing one by
// hand. The state itself is written by the flow scripts (flow-scripts.ts), shared by every relay.
import type { Redis } from "ioredis";

export const breakerKey = (prefix: string, dependency: string) => `${prefix}:breaker:${dependency}`;
/** The set of dependencies whose breaker has seen a failure. */
export const breakerRegistryKey = (prefix: string) => `${prefix}:breakers`;

export interface BreakerView {
  dependency: string;
  state: "closed" | "open" | "half_open";
  failures: number;
  cooldownMs: number;
  openedAt: string | null;
  nextProbeAt: string | null;
  lastFailureAt: string | null;
}

export class Breakers {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** BREAKER_WINDOW_MS: how far back failures are counted. */
    private readonly windowMs: number,
  ) {}

  /** Every breaker that has seen a failure (GET /admin/breakers). */
  async list(): Promise<BreakerView[]> {
    const deps = (await this.redis.smembers(breakerRegistryKey(this.prefix))).sort();
    return Promise.all(deps.map((d) => this.state(d)));
  }

  async state(dependency: string): Promise<BreakerView> {
    const key = breakerKey(this.prefix, dependency);
    const now = Date.now();
    const [h, failures] = await Promise.all([
      this.redis.hgetall(key),
      this.redis.zcount(`${key}:fails`, now - this.windowMs, "+inf"),
    ]);
    const iso = (v: string | undefined) => (v && Number(v) ? new Date(Number(v)).toISOString() : null);
    const state = (h.state as BreakerView["state"] | undefined) ?? "closed";
    return {
      dependency,
      state,
      failures,
      cooldownMs: Number(h.cooldown) || 0,
      openedAt: state === "closed" ? null : iso(h.openedAt),
      nextProbeAt: state === "closed" ? null : iso(state === "half_open" ? h.probeUntil : h.nextProbe),
      lastFailureAt: iso(h.lastFailureAt),
    };
  }

  /** Forces a breaker closed (its failures forgotten); false when it was not open. */
  async close(dependency: string): Promise<boolean> {
    const key = breakerKey(this.prefix, dependency);
    const [[, state]] = (await this.redis
      .multi()
      .hget(key, "state")
      .hset(key, "state", "closed", "cooldown", 0, "closedAt", Date.now())
      .hdel(key, "probe", "probeUntil", "nextProbe")
      .del(`${key}:fails`)
      .exec()) as [[Error | null, string | null]];
    return state === "open" || state === "half_open";
  }

  /** Whether the breaker lets its jobs through (one read; `state()` is the whole view). */
  async isClosed(dependency: string): Promise<boolean> {
    const state = await this.redis.hget(breakerKey(this.prefix, dependency), "state");
    return state === null || state === "closed";
  }

  /** The jobs whose failures the breaker counts now (one entry per failure; members "<jobId>:<ms>"). */
  async failedJobs(dependency: string): Promise<string[]> {
    const members = await this.redis.zrange(`${breakerKey(this.prefix, dependency)}:fails`, "0", "-1");
    return members.map((m) => m.slice(0, m.lastIndexOf(":")));
  }
}
