// Provider-aware flow control, shared by every relay through Redis (ARCHITECTURE: flow control is
// work-conserving): quota keys learned from the handlers' X-Flywheel-Quota reports and one circuit breaker
// per dependency. A job names its dependency and its quota class before dispatch (a catalog entry's
// `needs`); the class's keys are learned from the reports of its jobs (no secret needed in the relay: the
// handler names the key), and until a class has reported once, one job of it runs alone (the probe) so a
// first burst does not meet the provider's limit unannounced.
import type { Redis } from "ioredis";
import type { JobNeeds } from "../../handlers/kit/define.js";
import type { QuotaReport } from "../../handlers/kit/quota.js";
import type { Config } from "../config.js";
import { breakerKey, breakerRegistryKey } from "./breakers.js";
import { ADMIT, RECORD, WAKE } from "./flow-scripts.js";

export interface BreakerConfig {
  /** Transient failures within windowMs that open a breaker. @default 5 */
  failures: number;
  /** @default 60_000 */
  windowMs: number;
  /** First cool-down; doubles on each failed probe. @default 30_000 */
  cooldownMs: number;
  /** @default 600_000 */
  maxCooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerConfig = {
  failures: 5,
  windowMs: 60_000,
  cooldownMs: 30_000,
  maxCooldownMs: 600_000,
};

/** The BREAKER_* settings as a BreakerConfig. */
export function breakerConfig(
  cfg: Pick<
    Config,
    "BREAKER_FAILURES" | "BREAKER_WINDOW_MS" | "BREAKER_COOLDOWN_MS" | "BREAKER_MAX_COOLDOWN_MS"
  >,
): BreakerConfig {
  return {
    failures: cfg.BREAKER_FAILURES,
    windowMs: cfg.BREAKER_WINDOW_MS,
    cooldownMs: cfg.BREAKER_COOLDOWN_MS,
    maxCooldownMs: cfg.BREAKER_MAX_COOLDOWN_MS,
  };
}

/** What flow control needs of a job (its type's needs(): the breaker it obeys, its quota class). */
export type FlowNeeds = Pick<JobNeeds, "dependency" | "quota">;

export type Admission =
  | {
      ok: true;
      /** This job is its open breaker's probe. */
      probe: boolean;
      /** The quota classes this job is the first of (nothing learned yet): its answer teaches them. */
      classProbes: string[];
      keys: string[];
    }
  | { ok: false; reason: "quota" | "breaker"; key: string; until: Date };

/** What an answer did: the breaker's event (if any) and the parked jobs the new quota state lets run. */
export interface Recorded {
  event: "opened" | "closed" | "reopened" | "while_open" | null;
  nextProbe: Date | null;
  failures: number;
  /** Per quota key with waiting jobs: those popped to wake, and when to look again (null: none left). */
  woken: { key: string; members: string[]; next: Date | null }[];
}

type FlowRedis = Redis & {
  flowAdmit(n: number, ...args: (string | number)[]): Promise<(number | string)[]>;
  flowRecord(n: number, ...args: (string | number)[]): Promise<(number | string)[]>;
  flowWake(n: number, ...args: (string | number)[]): Promise<(number | string)[]>;
};

const classesOf = (needs: FlowNeeds): readonly string[] =>
  needs.quota ? (typeof needs.quota === "string" ? [needs.quota] : needs.quota) : [];

/** A class's learned keys are trusted this long before they are read again. */
const CLASS_TTL_MS = 5_000;
/** A class whose probe reported no quota is not probed again for this long. */
const NO_QUOTA_TTL_S = 600;
const CLASS_KEYS_TTL_S = 86_400;
const NONE = "-";

export class ProviderFlow {
  private readonly redis: FlowRedis;
  private readonly classes = new Map<string, { keys: string[]; until: number }>();

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly breaker: BreakerConfig,
  ) {
    this.redis = redis as FlowRedis;
    if (typeof this.redis.flowAdmit !== "function") {
      this.redis.defineCommand("flowAdmit", { lua: ADMIT });
      this.redis.defineCommand("flowRecord", { lua: RECORD });
      this.redis.defineCommand("flowWake", { lua: WAKE });
    }
  }

  quotaKey = (key: string) => `${this.prefix}:quota:${key}`;
  breakerKey = (dep: string) => breakerKey(this.prefix, dep);
  private readonly registryKey = () => breakerRegistryKey(this.prefix);
  private readonly classKey = (cls: string) => `${this.prefix}:quota-class:${cls}`;
  private readonly classProbeKey = (cls: string) => `${this.prefix}:quota-class-probe:${cls}`;
  /** The waiting key of jobs waiting for their class's first report. */
  static classWaitKey = (cls: string) => `class:${cls}`;

  private async classKeys(cls: string): Promise<string[]> {
    const cached = this.classes.get(cls);
    if (cached && cached.until > Date.now()) return cached.keys;
    const keys = await this.redis.smembers(this.classKey(cls));
    if (keys.length) this.classes.set(cls, { keys, until: Date.now() + CLASS_TTL_MS });
    return keys;
  }

  /** May this job call its dependency now? Takes its quota units (and the probe's turn) when it may. */
  async admit(needs: FlowNeeds, jobId: string, probeMs: number): Promise<Admission> {
    const now = Date.now();
    const keys: string[] = [];
    const probing: string[] = [];
    for (const cls of classesOf(needs)) {
      const known = await this.classKeys(cls);
      if (known.length) {
        for (const k of known) if (k !== NONE && !keys.includes(k)) keys.push(k);
        continue;
      }
      // Nothing learned yet: one job of the class runs alone until its answer tells the class's keys.
      const probeKey = this.classProbeKey(cls);
      const took = await this.redis.set(probeKey, jobId, "PX", probeMs, "NX");
      if (took || (await this.redis.get(probeKey)) === jobId) {
        probing.push(cls);
        continue;
      }
      await this.releaseClassProbes(probing);
      const ttl = await this.redis.pttl(probeKey);
      const until = new Date(now + Math.max(ttl, 1_000));
      return { ok: false, reason: "quota", key: ProviderFlow.classWaitKey(cls), until };
    }
    const ok = { ok: true as const, probe: false, classProbes: probing, keys };
    if (!needs.dependency && !keys.length) return ok;
    const dep = needs.dependency ? [this.breakerKey(needs.dependency)] : [];
    const redisKeys = [...dep, ...keys.map(this.quotaKey)];
    const answer = await this.redis.flowAdmit(
      redisKeys.length,
      ...redisKeys,
      now,
      jobId,
      probeMs,
      dep.length,
    );
    if (Number(answer[0]) === 1) return { ...ok, probe: Number(answer[1]) === 1 };
    await this.releaseClassProbes(probing);
    const what = Number(answer[1]) === 1 ? "breaker" : "quota";
    const key = what === "breaker" ? needs.dependency! : keys[Number(answer[2]) - 1 - dep.length]!;
    return { ok: false, reason: what, key, until: new Date(Number(answer[3])) };
  }

  /** Gives back a probe's turn that was never used (the job ended before its call). */
  async abandon(needs: FlowNeeds, jobId: string, admission: Extract<Admission, { ok: true }>): Promise<void> {
    await this.releaseClassProbes(admission.classProbes);
    if (!admission.probe || !needs.dependency) return;
    const key = this.breakerKey(needs.dependency);
    if ((await this.redis.hget(key, "probe")) === jobId) await this.redis.hset(key, "probeUntil", Date.now());
  }

  /** Whether a job of the class is still its probe (its answer will wake the class's waiting jobs). */
  async classProbing(cls: string): Promise<boolean> {
    return (await this.redis.exists(this.classProbeKey(cls))) === 1;
  }

  private async releaseClassProbes(classes: readonly string[]): Promise<void> {
    if (classes.length) await this.redis.del(...classes.map(this.classProbeKey));
  }

  /**
   * Records an answer: the quotas it reported (learned as its class's keys), and its outcome for the
   * breaker: `s` the dependency answered, `f` a transient failure (5xx, timeout), `-` neither.
   */
  async record(
    needs: FlowNeeds,
    jobId: string,
    outcome: "s" | "f" | "-",
    reports: readonly QuotaReport[],
    admission: Extract<Admission, { ok: true }> | null,
    probeMs: number,
  ): Promise<Recorded> {
    const dep = needs.dependency ?? null;
    const keys: string[] = [];
    const argv: (string | number)[] = [];
    if (dep) keys.push(this.breakerKey(dep), `${this.breakerKey(dep)}:fails`, this.registryKey());
    for (const r of reports) {
      keys.push(this.quotaKey(r.key), `${this.prefix}:wait:quota:${r.key}`);
      argv.push(r.remaining, r.reset, r.limit ?? "", r.refill ?? "window", r.cost ?? 1, r.at ?? "");
    }
    await this.learn(needs, outcome, reports, admission);
    if (!keys.length) return { event: null, nextProbe: null, failures: 0, woken: [] };
    const b = this.breaker;
    const out = await this.redis.flowRecord(
      keys.length,
      ...keys,
      Date.now(),
      jobId,
      dep ? outcome : "-",
      dep ? 1 : 0,
      b.failures,
      b.windowMs,
      b.cooldownMs,
      b.maxCooldownMs,
      probeMs,
      dep ?? "",
      ...argv,
    );
    const events = [null, "opened", "closed", "reopened", "while_open"] as const;
    const woken: Recorded["woken"] = [];
    let i = 3;
    for (const r of reports) {
      const count = Number(out[i]);
      const next = Number(out[i + 1]);
      const members = out.slice(i + 2, i + 2 + count).map(String);
      i += 2 + count + 1; // …and the '|'
      if (members.length || next) woken.push({ key: r.key, members, next: next ? new Date(next) : null });
    }
    return {
      event: events[Number(out[0])] ?? null,
      nextProbe: Number(out[1]) ? new Date(Number(out[1])) : null,
      failures: Number(out[2]),
      woken,
    };
  }

  /**
   * A reported key belongs to each of the job's classes it is named under (`<class>:…`): new ones are added
   * to the class. A class's probe that reported none of its keys, after the provider answered, marks the
   * class as having none for a while. Its probe's turn is given back either way.
   */
  private async learn(
    needs: FlowNeeds,
    outcome: "s" | "f" | "-",
    reports: readonly QuotaReport[],
    admission: Extract<Admission, { ok: true }> | null,
  ): Promise<void> {
    const probes = admission?.classProbes ?? [];
    for (const cls of classesOf(needs)) {
      const mine = reports.map((r) => r.key).filter((k) => k === cls || k.startsWith(`${cls}:`));
      const key = this.classKey(cls);
      const known = this.classes.get(cls)?.keys ?? [];
      if (mine.length && (probes.includes(cls) || mine.some((k) => !known.includes(k)))) {
        await this.redis
          .multi()
          .sadd(key, ...mine)
          .srem(key, NONE)
          .expire(key, CLASS_KEYS_TTL_S)
          .exec();
        this.classes.delete(cls);
      } else if (!mine.length && probes.includes(cls) && outcome === "s") {
        await this.redis.multi().sadd(key, NONE).expire(key, NO_QUOTA_TTL_S).exec();
      }
    }
    await this.releaseClassProbes(probes);
  }

  /** Pops the parked jobs a quota key now allows (a timer at its reset); and when to look again. */
  async wakeQuota(key: string, probeMs: number): Promise<{ members: string[]; next: Date | null }> {
    const out = await this.redis.flowWake(
      2,
      this.quotaKey(key),
      `${this.prefix}:wait:quota:${key}`,
      Date.now(),
      probeMs,
    );
    const count = Number(out[0]);
    return {
      members: out.slice(2, 2 + count).map(String),
      next: Number(out[1]) ? new Date(Number(out[1])) : null,
    };
  }
}
