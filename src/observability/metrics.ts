// Prometheus metrics on a private registry (several services may run in one process, e.g. in tests):
// job counters fed by hooks (JobsService.onEnqueue, Relay.onOutcome), gauges collected on each scrape
// (queue depth from BullMQ, relay in-flight, Redis and Postgres up, schedule lag from Postgres).
import { sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../../db/client.js";
import { rowsOf } from "../../db/queries/rows.js";
import { Breakers } from "../flow/breakers.js";
import { DEFAULT_BREAKER } from "../flow/provider-flow.js";
import type { Queues } from "../queue/queues.js";

export interface MetricsSources {
  queues: Queues;
  redis: Redis;
  db: Db;
  pingPostgres(): Promise<void>;
}

/** What the relay reports after each attempt (RelayOptions.onOutcome). */
export interface AttemptOutcome {
  type: string;
  /** The run's outcome: completed, failed, retry, rate_limited, cancelled. */
  outcome: string;
  durationMs: number;
  httpStatus: number | null;
  /** The job's status after the attempt, when the relay reports it. */
  status?: string;
}

/** What JobsService reports per enqueue call. */
export interface EnqueueEvent {
  type: string;
  /** created: a new job; skipped: a live job had the dedup key; replayed: an idempotency key answered. */
  result: "created" | "skipped" | "replayed";
}

/** Seconds; covers quick handlers up to the longest per-type timeouts. */
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** A scrape never waits longer than this on Redis or Postgres. @default 1000 ms */
const PROBE_TIMEOUT_MS = 1000;

function within<T>(p: Promise<T>, ms = PROBE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, ko) => {
      timer = setTimeout(() => ko(new Error("probe timed out")), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class Metrics {
  readonly registry = new Registry();
  private readonly relays = new Set<{ activeCount: number }>();

  private readonly counter = (name: string, help: string, labelNames: string[] = ["type"]) =>
    new Counter({ name, help, labelNames, registers: [this.registry] });

  readonly enqueued = this.counter("flywheel_jobs_enqueued_total", "Jobs accepted and queued, by type");
  readonly skipped = this.counter(
    "flywheel_jobs_skipped_total",
    "Enqueues skipped because a live job had the same dedup key, by type",
  );
  readonly replayed = this.counter(
    "flywheel_jobs_idempotent_replays_total",
    "Enqueues answered by an earlier job with the same idempotency key, by type",
  );
  readonly completed = this.counter("flywheel_jobs_completed_total", "Jobs completed, by type");
  readonly failed = this.counter("flywheel_jobs_failed_total", "Jobs failed for good, by type");
  readonly retried = this.counter(
    "flywheel_jobs_retried_total",
    "Attempts that ended in a scheduled retry (transient error), by type",
  );
  readonly rateLimited = this.counter(
    "flywheel_jobs_rate_limited_total",
    "Attempts answered 429 (waiting, no attempt spent), by type",
  );
  readonly cancelled = this.counter(
    "flywheel_jobs_cancelled_total",
    "Attempts cancelled while running, by type",
  );
  readonly handlerResponses = this.counter(
    "flywheel_handler_responses_total",
    "Handler answers seen by the relay, by type and HTTP status (none: timeout or network error)",
    ["type", "status"],
  );
  readonly attemptDuration = new Histogram({
    name: "flywheel_job_attempt_duration_seconds",
    help: "Duration of one handler call, by type and outcome",
    labelNames: ["type", "outcome"],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  constructor(private readonly src: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: "flywheel_" });
    const self = this;
    new Gauge({
      name: "flywheel_queue_depth",
      help: "Jobs in each BullMQ queue by state (waiting includes prioritized), collected on scrape",
      labelNames: ["type", "state"],
      registers: [this.registry],
      async collect() {
        this.reset();
        // A BullMQ queue created while the command client is not ready stays broken: don't create one then.
        if (self.src.redis.status !== "ready") return;
        await Promise.all(
          self.src.queues.all().map(async (queue) => {
            const counts = await within(queue.getJobCounts()).catch(() => null);
            if (!counts) return;
            const get = (k: string) => counts[k] ?? 0;
            const states: Record<string, number> = {
              waiting: get("wait") + get("prioritized") + get("waiting-children"),
              active: get("active"),
              delayed: get("delayed"),
              paused: get("paused"),
              failed: get("failed"),
              completed: get("completed"),
            };
            for (const [state, n] of Object.entries(states)) this.set({ type: queue.name, state }, n);
          }),
        );
      },
    });
    new Gauge({
      name: "flywheel_relay_in_flight",
      help: "Handler calls in progress in this process's relay",
      registers: [this.registry],
      collect() {
        let n = 0;
        for (const r of self.relays) n += r.activeCount;
        this.set(n);
      },
    });
    new Gauge({
      name: "flywheel_redis_up",
      help: "1 when Redis answered PING during this scrape",
      registers: [this.registry],
      async collect() {
        this.set(
          await within(self.src.redis.ping()).then(
            () => 1,
            () => 0,
          ),
        );
      },
    });
    new Gauge({
      name: "flywheel_postgres_up",
      help: "1 when Postgres answered during this scrape",
      registers: [this.registry],
      async collect() {
        this.set(
          await within(self.src.pingPostgres()).then(
            () => 1,
            () => 0,
          ),
        );
      },
    });
    new Gauge({
      name: "flywheel_schedule_lag_seconds",
      help: "How far past its next run time each enabled schedule is (0 when on time), by type",
      labelNames: ["type"],
      registers: [this.registry],
      async collect() {
        this.reset();
        const res = await within(
          self.src.db.execute(sql`
            select job_type as type, greatest(0, extract(epoch from (now() - next_run_at)))::float8 as lag
            from schedules where enabled and next_run_at is not null`),
        ).catch(() => null);
        for (const row of res ? rowsOf(res) : []) this.set({ type: String(row.type) }, Number(row.lag));
      },
    });
    new Gauge({
      name: "flywheel_schedule_skipped_targets",
      help: "Scheduled targets skipped because their previous job was still queued or running (schedules.skipped_count), by type",
      labelNames: ["type"],
      registers: [this.registry],
      async collect() {
        this.reset();
        const res = await within(
          self.src.db.execute(sql`select job_type as type, skipped_count as n from schedules`),
        ).catch(() => null);
        for (const row of res ? rowsOf(res) : []) this.set({ type: String(row.type) }, Number(row.n));
      },
    });
    const breakers = new Breakers(this.src.redis, this.src.queues.prefix, DEFAULT_BREAKER.windowMs);
    new Gauge({
      name: "flywheel_breaker_open",
      help: "1 while a dependency's circuit breaker is open or probing (its jobs wait), 0 when closed",
      labelNames: ["dependency"],
      registers: [this.registry],
      async collect() {
        this.reset();
        if (self.src.redis.status !== "ready") return;
        const list = await within(breakers.list()).catch(() => []);
        for (const b of list) this.set({ dependency: b.dependency }, b.state === "closed" ? 0 : 1);
      },
    });
    new Gauge({
      name: "flywheel_jobs_waiting",
      help: "Queued or retrying jobs waiting on a named reason (paused, …) without running, by reason",
      labelNames: ["reason"],
      registers: [this.registry],
      async collect() {
        this.reset();
        const res = await within(
          self.src.db.execute(sql`
            select waiting_reason as reason, count(*)::int as n from jobs
            where waiting_reason is not null and status in ('queued', 'retrying') group by waiting_reason`),
        ).catch(() => null);
        for (const row of res ? rowsOf(res) : []) this.set({ reason: String(row.reason) }, Number(row.n));
      },
    });
  }

  /** Counts in-flight calls of this relay on each scrape. */
  watchRelay(relay: { activeCount: number }): void {
    this.relays.add(relay);
  }

  /** For JobsService's `onEnqueue` hook. */
  readonly onEnqueue = (e: EnqueueEvent): void => {
    if (e.result === "created") this.enqueued.inc({ type: e.type });
    else if (e.result === "skipped") this.skipped.inc({ type: e.type });
    else this.replayed.inc({ type: e.type });
  };

  /** For the relay's `onOutcome` hook. */
  readonly onOutcome = (o: AttemptOutcome): void => {
    const type = o.type;
    this.attemptDuration.observe({ type, outcome: o.outcome }, o.durationMs / 1000);
    if (o.outcome !== "cancelled" || o.httpStatus !== null)
      this.handlerResponses.inc({ type, status: o.httpStatus === null ? "none" : String(o.httpStatus) });
    const status = o.status ?? (o.outcome === "retry" ? "retrying" : o.outcome);
    if (o.outcome === "rate_limited") this.rateLimited.inc({ type });
    if (status === "completed") this.completed.inc({ type });
    else if (status === "failed") this.failed.inc({ type });
    else if (status === "cancelled") this.cancelled.inc({ type });
    else if (status === "retrying" && o.outcome === "retry") this.retried.inc({ type });
  };

  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
