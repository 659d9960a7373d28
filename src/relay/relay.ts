// The relay: one BullMQ Worker per job type pulls jobs, one slot pool for all types (slot-pool.ts) decides
// which run, and each runs as an Attempt (attempt.ts: activate, recover a lost attempt, dispatch over
// signed HTTP, record, apply the answer), within the organization's cap. BullMQ's own retry counter is unused (attempts: 1): attempts live in Postgres (the lifecycle), so
// lost (stalled) attempts count too. Cancel requests arrive on a pub/sub channel and abort the call.
import { DelayedError, type Job, UnrecoverableError, Worker, type WorkerOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../../db/client.js";
import { getJob } from "../../db/queries/jobs.js";
import type { Catalog } from "../../handlers/kit/catalog.js";
import type { JobNeeds, JobTypeDefinition } from "../../handlers/kit/define.js";
import { coerceError } from "../../handlers/kit/errors.js";
import { Breakers } from "../flow/breakers.js";
import { OrgLimitsCache } from "../flow/org-limits.js";
import { Pauses, pauseKey, pausesChannel } from "../flow/pauses.js";
import { type BreakerConfig, DEFAULT_BREAKER, ProviderFlow } from "../flow/provider-flow.js";
import { Waiting } from "../flow/waiting.js";
import type { Lifecycle } from "../lifecycle/lifecycle.js";
import { cancelChannel } from "../lifecycle/queue.js";
import type { Logger } from "../logger.js";
import { KEEP_COMPLETED, KEEP_FAILED, type QueueJobData, Queues } from "../queue/queues.js";
import { withDbRetry } from "../runtime/db-retry.js";
import { PollLoop } from "../runtime/poll-loop.js";
import { Attempt, type AttemptDeps } from "./attempt.js";
import { dispatch, type Outcome } from "./dispatch.js";
import { FetchBudget } from "./fetch-budget.js";
import { FlowGate } from "./flow-gate.js";
import { OrgCap, type Slot } from "./org-cap.js";
import { SlotPool } from "./slot-pool.js";
import { AdaptiveStalledCheck } from "./stalled-check.js";

/** How often a relay sweeps for wake-ups no one sent (pauses, hosts, organization caps). @default 300_000 */
export const WAIT_SWEEP_MS = 300_000;

export interface RelayOptions {
  db: Db;
  /** Connection for the workers (BullMQ needs maxRetriesPerRequest: null). */
  connection: Redis;
  prefix: string;
  catalog: Catalog;
  lifecycle: Lifecycle;
  log: Logger;
  handlersUrl: string;
  signingKey: string;
  retryDelaysMs: readonly number[];
  /** Slots in all, one pool shared by every type (slot-pool.ts). @default 100 */
  concurrency: number;
  /** Per-type maxima within the pool (not reservations). */
  typeConcurrency?: Record<string, number>;
  orgMaxActive: number;
  /** Jobs of one host (a type's needs().host) running at once across relays. @default 2 */
  hostConcurrency?: number;
  /** Circuit breakers per dependency (BREAKER_*). @default DEFAULT_BREAKER */
  breaker?: BreakerConfig;
  /** A job waiting on a breaker or a quota longer than this fails (`dependency_unavailable`). @default 24 h */
  breakerMaxWaitMs?: number;
  rateLimitMaxWaits: number;
  rateLimitMaxAgeMs: number;
  lockDurationMs: number;
  /** Stalled-job check interval while this relay is busy. */
  stalledIntervalMs: number;
  /** …and once it has been idle for 5 minutes (fewer idle Redis commands). @default stalledIntervalMs */
  stalledIdleIntervalMs?: number;
  drainDelayS: number;
  /** BullMQ's telemetry option (bullmq-otel) when tracing is on. */
  telemetry?: WorkerOptions["telemetry"];
  /** Only run these types (default: every type in the catalog). */
  types?: string[];
  onOutcome?: AttemptDeps["onOutcome"];
  /** Calls a handler (tests inject one). @default dispatch: the signed HTTP call */
  dispatch?: AttemptDeps["dispatch"];
}

export class Relay {
  private readonly workers: Worker<QueueJobData>[] = [];
  private readonly inFlight = new Map<string, AbortController>();
  private readonly orgCap: OrgCap;
  /** Per-host slots for types that name their host (scrape): SCRAPER_HOST_CONCURRENCY, hard, across relays. */
  private readonly hostCap: OrgCap;
  private readonly attempt: Attempt;
  private readonly pool: SlotPool;
  private readonly queues: Queues;
  private readonly waiting: Waiting;
  private readonly pauses: Pauses;
  private readonly waitSweep: PollLoop;
  private readonly gate: FlowGate;
  /** How many jobs each worker may hold (fetch-budget.ts); set once the workers exist. */
  private budget: FetchBudget | null = null;
  private subscriber: Redis | null = null;
  private stalledCheck: AdaptiveStalledCheck | null = null;

  constructor(private readonly options: RelayOptions) {
    const limits = new OrgLimitsCache(options.db, { maxActive: options.orgMaxActive, enqueuePerMinute: 0 });
    const onWake = (member: string, reason: string, key: string) =>
      void this.waiting
        .wakeMember(member, reason, key)
        .catch((err: Error) => options.log.warn({ member, err: err.message }, "wake failed"));
    this.orgCap = new OrgCap({
      redis: options.connection,
      prefix: options.prefix,
      limits: (orgId) => limits.get(orgId),
      onWake,
    });
    this.attempt = new Attempt({ ...options, dispatch: options.dispatch ?? dispatch });
    this.hostCap = new OrgCap({
      redis: options.connection,
      prefix: options.prefix,
      namespace: "hostcap",
      waitReason: "host",
      limits: async () => ({ maxActive: options.hostConcurrency ?? 2, hard: true }),
      onWake,
    });
    this.pool = new SlotPool(
      options.concurrency,
      (type) => this.maxOf(type),
      () => this.retune(),
    );
    this.queues = new Queues(options.connection, options.prefix, options.catalog);
    this.waiting = new Waiting({
      db: options.db,
      redis: options.connection,
      prefix: options.prefix,
      queues: this.queues,
    });
    this.pauses = new Pauses(options.db);
    this.gate = new FlowGate({
      flow: new ProviderFlow(options.connection, options.prefix, options.breaker ?? DEFAULT_BREAKER),
      breakers: new Breakers(
        options.connection,
        options.prefix,
        (options.breaker ?? DEFAULT_BREAKER).windowMs,
      ),
      waiting: this.waiting,
      failure: options,
      maxWaitMs: options.breakerMaxWaitMs ?? 86_400_000,
    });
    this.waitSweep = new PollLoop(() => this.sweepWaiting(), {
      intervalMs: WAIT_SWEEP_MS,
      log: options.log,
      name: "wait sweep",
    });
  }

  /**
   * The fallback for wake-ups no one sent: the pauses again (a missed change message), and one job per
   * host or organization with parked jobs, in case a crashed relay's slot lease expired with no one to
   * wake them.
   */
  private async sweepWaiting(): Promise<void> {
    await this.refreshPauses();
    for (const host of await this.waiting.parkedKeys("host")) await this.waiting.wake("host", host, 1);
    for (const org of await this.waiting.parkedKeys("org_cap")) await this.waiting.wake("org_cap", org, 1);
    await this.gate.sweep(this.sweepTimeoutMs());
  }

  /** The longest timeout of the relay's types (a probe's bound in the sweep). */
  private sweepTimeoutMs(): number {
    return Math.max(...[...this.options.catalog.list()].map((d) => d.timeoutMs));
  }

  /** Reloads the pauses and wakes the jobs of every pause that is gone (also ones no relay woke before). */
  private async refreshPauses(): Promise<void> {
    const gone = new Set(await this.pauses.load());
    for (const key of await this.waiting.parkedKeys("paused")) if (!this.pauses.has(key)) gone.add(key);
    for (const key of gone) {
      const woken = await this.waiting.wake("paused", key);
      if (woken) this.options.log.info({ key, woken }, "pause lifted; jobs woken");
    }
  }

  /** A type's maximum: its RELAY_TYPE_CONCURRENCY entry, else the whole pool. */
  private maxOf(type: string): number {
    return Math.min(
      this.options.typeConcurrency?.[type] ?? this.options.concurrency,
      this.options.concurrency,
    );
  }

  private lastIdleWake = 0;

  /**
   * Free slots and nothing left to fetch: wake jobs parked on an organization's cap, round-robin across
   * organizations, one per free slot (at most once a second; nothing is sent when no job is parked).
   */
  private wakeIdle(): void {
    const free = this.pool.size - this.pool.inUse;
    if (free <= 0 || Date.now() - this.lastIdleWake < 1_000) return;
    this.lastIdleWake = Date.now();
    void (async () => {
      const orgs = await this.waiting.parkedKeys("org_cap");
      let woken = 0;
      for (let round = 0; woken < free && orgs.length && round < free; round++)
        for (const org of orgs) if (woken < free) woken += await this.waiting.wake("org_cap", org, 1);
    })().catch((err: Error) => this.options.log.warn({ err: err.message }, "idle wake failed"));
  }

  private retune(): void {
    this.budget?.retune();
  }

  /** The slot pool's state per type (metrics, tests). */
  slots(type: string): { running: number; waiting: number } {
    return { running: this.pool.runningOf(type), waiting: this.pool.waitingOf(type) };
  }

  get activeCount(): number {
    return this.inFlight.size;
  }

  async start(): Promise<void> {
    const types = this.options.types ?? [...this.options.catalog.types()];
    for (const type of types) {
      // BullMQ may hold up to the type's maximum; the pool decides which of them run (process()).
      const concurrency = this.maxOf(type);
      const worker = new Worker<QueueJobData>(type, (job, token) => this.process(job, token), {
        connection: this.options.connection,
        prefix: this.options.prefix,
        concurrency,
        lockDuration: this.options.lockDurationMs,
        stalledInterval: this.options.stalledIntervalMs,
        // Lost attempts are counted in Postgres (activateJobs); BullMQ must not fail stalled jobs itself.
        maxStalledCount: 1000,
        drainDelay: this.options.drainDelayS,
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
        autorun: true,
        ...(this.options.telemetry ? { telemetry: this.options.telemetry } : {}),
      });
      worker.on("error", (err) => this.options.log.warn({ type, err: err.message }, "relay worker error"));
      worker.on("active", () => this.stalledCheck?.activity());
      // A queue ran dry while this relay has free slots: jobs parked on a soft cap may have them.
      worker.on("drained", () => this.wakeIdle());
      this.workers.push(worker);
    }
    this.budget = new FetchBudget(this.workers, this.pool, (type) => this.maxOf(type));
    this.budget.retune(); // before the workers' first fetches
    this.stalledCheck = new AdaptiveStalledCheck(this.workers, {
      fastMs: this.options.stalledIntervalMs,
      slowMs: this.options.stalledIdleIntervalMs ?? this.options.stalledIntervalMs,
      log: this.options.log,
    });
    this.stalledCheck.start();
    await this.pauses.load();
    this.subscriber = this.options.connection.duplicate();
    this.subscriber.on("error", () => {});
    const pauses = pausesChannel(this.options.prefix);
    this.subscriber.on("message", (channel, message: string) => {
      if (channel === pauses)
        this.refreshPauses().catch((err: Error) =>
          this.options.log.warn({ err: err.message }, "pauses refresh failed"),
        );
      else this.inFlight.get(message)?.abort();
    });
    await this.subscriber.subscribe(cancelChannel(this.options.prefix), pauses);
    // One sweep at start: a relay that died may have left parked jobs whose wake-up no one will send.
    this.waitSweep.start();
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /**
   * Stops taking jobs and lets active ones finish within `graceMs`; after that it stops waiting for them:
   * their locks lapse and other relays take them over as lost attempts.
   */
  async stop(graceMs = 30_000): Promise<void> {
    await this.stalledCheck?.stop();
    await this.waitSweep.stop();
    this.gate.stop();
    this.pool.close(); // jobs still waiting for a slot go back to their queue at once (process())
    const closing = Promise.all(this.workers.map((w) => w.close()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      closing.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.options.log.warn(
        { active: this.inFlight.size },
        "grace period over; abandoning active jobs to other relays",
      );
      await Promise.all(this.workers.map((w) => w.close(true)));
    }
    this.subscriber?.disconnect();
    await this.queues.close();
    // Give the organizations' slots back now rather than at lease expiry (not waiting long on a lost Redis).
    await Promise.race([this.orgCap.sweep(true), new Promise((r) => setTimeout(r, 2_000).unref())]);
  }

  private async process(job: Job<QueueJobData>, token?: string): Promise<unknown> {
    this.budget?.hold(job.name);
    try {
      return await this.processHeld(job, token);
    } finally {
      this.budget?.release(job.name);
    }
  }

  private async processHeld(job: Job<QueueJobData>, token?: string): Promise<unknown> {
    const def = this.options.catalog.get(job.name);
    if (!def) throw new UnrecoverableError(`unknown job type ${job.name}`);
    try {
      const pause = this.pauses.match(job.name, job.data.orgId);
      if (pause && (await this.park(job, token, pauseKey(pause)))) throw new DelayedError();
      return await this.inPool(job, token, def);
    } catch (err) {
      if (err instanceof DelayedError || err instanceof UnrecoverableError) throw err;
      // Postgres or Redis failed on the way (a failover): BullMQ would fail the job for good (attempts: 1)
      // while Postgres still holds it live. Back to the queue in a few seconds instead.
      this.options.log.warn({ jobId: job.id, type: job.name, err: coerceError(err).message }, "job deferred");
      await job.moveToDelayed(Date.now() + 5_000, token);
      throw new DelayedError();
    }
  }

  /**
   * What the job needs outside: its type's needs as declared, or its needs() on the row's payload (null when
   * none or the row moved on).
   */
  private async needsOf(def: JobTypeDefinition, jobId: string): Promise<JobNeeds | null> {
    if (typeof def.needs !== "function") return def.needs ?? null;
    const row = await withDbRetry(() => getJob(this.options.db, jobId), this.options.log);
    if (!row || !["queued", "retrying", "active"].includes(row.status)) return null;
    return def.needs({ db: this.options.db }, row.payload);
  }

  /**
   * A slot of the pool, then of the organization's cap, then (for a job that names its host) of the host,
   * then its dependency's breaker and its quotas (flow-gate.ts), then the attempt. Waiting for any of them
   * parks the job (no slot kept, no attempt).
   */
  private async inPool(
    job: Job<QueueJobData>,
    token: string | undefined,
    def: JobTypeDefinition,
  ): Promise<unknown> {
    if (!(await this.pool.acquire(job.name))) {
      // Stopping before it got a slot: nothing was written; another relay takes it now.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    try {
      const orgId = job.data.orgId;
      const slot = await this.capSlot(this.orgCap, job, token, "org_cap", orgId, def.timeoutMs);
      try {
        const needs = def.needs && slot ? await this.needsOf(def, job.id!) : null;
        const host = needs?.host ?? null;
        const hostSlot = host
          ? await this.capSlot(this.hostCap, job, token, "host", host, def.timeoutMs)
          : null;
        try {
          const admitted =
            needs && (!host || hostSlot) ? await this.gate.admit(job, token, needs, def.timeoutMs) : null;
          const admission = admitted === "expired" ? null : admitted;
          let answered = false;
          const onAnswer =
            needs && admitted !== "expired"
              ? (outcome: Outcome) => {
                  answered = true;
                  return this.gate.answered(job.id!, needs, admission, outcome, def.timeoutMs);
                }
              : undefined;
          try {
            return await this.run(job, token, def.timeoutMs, onAnswer);
          } finally {
            // Admitted as a probe but never dispatched (cancelled, expired meanwhile): the turn goes back.
            if (needs && admission && !answered) await this.gate.abandon(needs, job.id!, admission);
          }
        } finally {
          // Given back to Redis at once (the same script call pops a waiting job to wake).
          if (host && hostSlot) await this.hostCap.releaseNow(host, hostSlot).catch(() => false);
        }
      } finally {
        if (slot) this.orgCap.release(orgId, slot);
      }
    } finally {
      this.pool.release(job.name);
    }
  }

  /**
   * A slot of `cap` for `key` (an organization or a host), or the job waits for one: parked on `reason`
   * and woken by the release that frees one (a soft organization cap: also by an idle relay); throws
   * DelayedError then. A lost attempt's job (active) cannot park: it comes back in 2-5 s instead. null: the
   * job is past its expiry (it runs without a slot: its activation fails it, no handler call).
   */
  private async capSlot(
    cap: OrgCap,
    job: Job<QueueJobData>,
    token: string | undefined,
    reason: "org_cap" | "host",
    key: string,
    timeoutMs: number,
  ): Promise<Slot | null> {
    const slot = await cap.acquire(key, timeoutMs, job.name);
    if (slot) return slot;
    const parked = await this.waiting.park(job, token, { reason, key });
    if (parked === "expired") return null;
    if (parked !== "moved") {
      // A slot freed between the refusal and the park woke nobody: take it and give it back to wake one.
      const freed = await cap.acquire(key, timeoutMs, job.name);
      if (freed) await cap.releaseNow(key, freed);
      throw new DelayedError();
    }
    await job.moveToDelayed(Date.now() + 2_000 + Math.floor(Math.random() * 3_000), token);
    throw new DelayedError();
  }

  /**
   * Parks a paused job (reason `paused`, no slot, no attempt); false when it is not waiting-shaped (a lost
   * attempt's job is active: it runs, and its activation decides).
   */
  private async park(job: Job<QueueJobData>, token: string | undefined, key: string): Promise<boolean> {
    if (typeof (await this.waiting.park(job, token, { reason: "paused", key })) !== "object") return false;
    // Lifted between the check and the park: wake it now rather than at the next refresh.
    if (!this.pauses.has(key)) await this.waiting.wake("paused", key);
    return true;
  }

  private async run(
    job: Job<QueueJobData>,
    token: string | undefined,
    timeoutMs: number,
    onAnswer?: (outcome: Outcome) => Promise<Outcome>,
  ): Promise<unknown> {
    const jobId = job.id!;
    // Registered before activation, so a cancel published from now on is never missed.
    const controller = new AbortController();
    this.inFlight.set(jobId, controller);
    try {
      return await this.attempt.run(job, token, timeoutMs, controller.signal, onAnswer);
    } finally {
      this.inFlight.delete(jobId);
    }
  }
}
