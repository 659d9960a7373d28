// The relay's side of provider-aware flow control (src/flow/provider-flow.ts): before a job is dispatched,
// its dependency's breaker and its quota keys are asked; a job that may not call now waits (reason `quota`
// or `breaker`) without an attempt, and is woken by a timer at the quota's reset or the breaker's next probe,
// by the answer that frees quota, or by the probe's success (all waiting jobs, in their park order). After
// the answer, its quota reports and its outcome are recorded; a transient failure while the breaker is open
// gives its attempt back. A breaker's opening and closing are one log line and one operator event each.
import { DelayedError, type Job } from "bullmq";
import { insertOperatorEvent } from "../../db/queries/operator-events.js";
import type { Breakers } from "../flow/breakers.js";
import { type Admission, type FlowNeeds, ProviderFlow } from "../flow/provider-flow.js";
import { PARK_MS, type Waiting } from "../flow/waiting.js";
import type { QueueJobData } from "../queue/queues.js";
import { withDbRetry } from "../runtime/db-retry.js";
import type { Outcome } from "./dispatch.js";
import { type FailureDeps, handleFailure } from "./failure.js";

export interface FlowGateOptions {
  flow: ProviderFlow;
  breakers: Breakers;
  waiting: Waiting;
  failure: FailureDeps;
  /** A job waiting on a breaker or a quota longer than this fails with `dependency_unavailable`. @default 24 h */
  maxWaitMs: number;
}

type Admitted = Extract<Admission, { ok: true }>;

/** The breaker's reading of an answer: the dependency answered (s), failed transiently (f), or unknown (-). */
export function breakerOutcome(outcome: Outcome): "s" | "f" | "-" {
  if (outcome.kind === "completed" || outcome.kind === "failed" || outcome.kind === "rate_limited")
    return "s";
  if (outcome.kind !== "retry") return "-";
  if (outcome.code === "signature_rejected" || outcome.code === "handlers_unconfigured") return "-";
  const status = outcome.httpStatus;
  return outcome.code === "timeout" || (status !== null && (status >= 500 || status === 408)) ? "f" : "-";
}

export class FlowGate {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private stopped = false;

  constructor(private readonly options: FlowGateOptions) {}

  private get log() {
    return this.options.failure.log;
  }

  /**
   * Admits the job (null when it needs nothing), answers "expired" for a job past its expiry (its activation
   * fails it), or parks it and throws DelayedError.
   */
  async admit(
    job: Job<QueueJobData>,
    token: string | undefined,
    needs: FlowNeeds,
    timeoutMs: number,
  ): Promise<Admitted | null | "expired"> {
    if (!needs.dependency && !needs.quota) return null;
    const admission = await this.options.flow.admit(needs, job.id!, probeMsOf(timeoutMs));
    if (admission.ok) return admission;
    const { reason, key, until } = admission;
    // Woken by a timer, an answer or the probe's success; back by itself at the latest when it has waited
    // too long (then it gives up) or after PARK_MS.
    const latest = (m: { waitingSince: Date }) =>
      new Date(Math.min(Date.now() + PARK_MS, m.waitingSince.getTime() + this.options.maxWaitMs + 1));
    const parked = await this.options.waiting.park(job, token, { reason, key, until }, latest);
    if (parked === "expired") return "expired";
    if (parked === "moved") {
      // A lost attempt's job (active) cannot park: it comes back when the wait ends (at most 30 s).
      await job.moveToDelayed(Math.min(until.getTime(), Date.now() + 30_000), token);
      throw new DelayedError();
    }
    if (Date.now() - parked.waitingSince.getTime() >= this.options.maxWaitMs) {
      await this.giveUp(job, reason, key);
      throw new DelayedError();
    }
    this.wakeAt(reason, key, until, timeoutMs);
    await this.recheck(reason, key, timeoutMs);
    throw new DelayedError();
  }

  /**
   * The reason may have cleared between the refusal and the park (a probe's success woke the breaker's jobs
   * while this one was on its way to the list): then no one would wake it, so look once more now.
   */
  private async recheck(reason: "quota" | "breaker", key: string, timeoutMs: number): Promise<void> {
    const { waiting, breakers, flow } = this.options;
    if (reason === "breaker") {
      if (await breakers.isClosed(key)) await waiting.wake("breaker", key);
    } else if (key.startsWith("class:")) {
      if (!(await flow.classProbing(key.slice("class:".length)))) await waiting.wake("quota", key);
    } else await this.fire("quota", key, timeoutMs);
  }

  /** A job admitted as a probe (of its breaker or its quota classes) ended without a call: others may go. */
  async abandon(needs: FlowNeeds, jobId: string, admission: Admitted): Promise<void> {
    if (!admission.probe && !admission.classProbes.length) return;
    try {
      await this.options.flow.abandon(needs, jobId, admission);
      for (const cls of admission.classProbes)
        await this.options.waiting.wake("quota", ProviderFlow.classWaitKey(cls), 1);
      if (admission.probe && needs.dependency)
        await this.options.waiting.wake("breaker", needs.dependency, 1);
    } catch (err) {
      this.log.warn({ jobId, err: (err as Error).message }, "flow control abandon failed");
    }
  }

  /** Records the answer; may turn a transient failure under an open breaker into a wait (no attempt spent). */
  async answered(
    jobId: string,
    needs: FlowNeeds,
    admission: Admitted | null,
    outcome: Outcome,
    timeoutMs: number,
  ): Promise<Outcome> {
    const reports = outcome.quota ?? [];
    if (!needs.dependency && !reports.length && !admission?.classProbes.length) return outcome;
    const kind = breakerOutcome(outcome);
    const probeMs = probeMsOf(timeoutMs);
    try {
      const rec = await this.options.flow.record(needs, jobId, kind, reports, admission, probeMs);
      for (const w of rec.woken) {
        for (const member of w.members) this.wakeMember(member, "quota", w.key);
        if (w.next) this.wakeAt("quota", w.key, w.next, timeoutMs);
      }
      for (const cls of admission?.classProbes ?? [])
        await this.options.waiting.wake("quota", ProviderFlow.classWaitKey(cls));
      const dep = needs.dependency;
      if (dep && rec.event) await this.onBreakerEvent(jobId, dep, rec, timeoutMs);
      const open = rec.event === "opened" || rec.event === "reopened" || rec.event === "while_open";
      if (kind === "f" && open && outcome.kind === "retry") {
        const retryAfterMs = Math.max(1_000, (rec.nextProbe?.getTime() ?? Date.now()) - Date.now());
        const message = `${dep} is unavailable (circuit breaker open): ${outcome.message}`;
        return { ...outcome, kind: "unavailable", message, retryAfterMs };
      }
    } catch (err) {
      this.log.warn({ jobId, err: (err as Error).message }, "flow control record failed");
    }
    return outcome;
  }

  private async onBreakerEvent(
    jobId: string,
    dependency: string,
    rec: Awaited<ReturnType<ProviderFlow["record"]>>,
    timeoutMs: number,
  ) {
    const nextProbeAt = rec.nextProbe?.toISOString() ?? null;
    if (rec.event === "opened") {
      const refunded = await this.refundOutage(dependency, jobId);
      this.log.warn({ dependency, failures: rec.failures, nextProbeAt, refunded }, "circuit breaker opened");
      await this.operatorEvent("breaker.opened", dependency, { failures: rec.failures, nextProbeAt });
    } else if (rec.event === "closed") {
      this.log.info({ dependency }, "circuit breaker closed");
      await this.operatorEvent("breaker.closed", dependency, {});
      const woken = await this.options.waiting.wake("breaker", dependency);
      if (woken) this.log.info({ dependency, woken }, "jobs waiting on the breaker woken");
    } else if (rec.event === "reopened") {
      this.log.info({ dependency, nextProbeAt }, "circuit breaker probe failed; open again");
    }
    if (rec.nextProbe) this.wakeAt("breaker", dependency, rec.nextProbe, timeoutMs);
  }

  /**
   * The failures that opened the breaker were the outage's: their jobs (still waiting for their retry) get
   * those attempts back. `jobId`'s own failure is already a wait that spends none.
   */
  private async refundOutage(dependency: string, jobId: string): Promise<number> {
    const { failure, breakers } = this.options;
    const counts = new Map<string, number>();
    for (const id of await breakers.failedJobs(dependency))
      if (id !== jobId) counts.set(id, (counts.get(id) ?? 0) + 1);
    return withDbRetry(() => failure.lifecycle.refundAttempts(counts), this.log);
  }

  private async operatorEvent(kind: string, dependency: string, data: Record<string, unknown>) {
    const opened = kind === "breaker.opened";
    await withDbRetry(
      () =>
        insertOperatorEvent(this.options.failure.db, {
          kind,
          title: `Circuit breaker ${opened ? "opened" : "closed"}: ${dependency}`,
          message: opened
            ? `${dependency} failed ${data.failures} times within the window; its jobs wait (no attempt spent) until a probe succeeds.`
            : `${dependency} answers again; the jobs waiting on it were woken.`,
          data: { dependency, ...data },
        }),
      this.log,
    );
  }

  /** A job waited too long on a breaker or a quota: it fails with `dependency_unavailable` (notified). */
  private async giveUp(job: Job<QueueJobData>, reason: string, key: string): Promise<void> {
    // Off the wake list and out of the queue first, so no wake hands it to a relay meanwhile.
    await this.options.waiting.forget(reason, key, `${job.name}:${job.id}`);
    await job.remove().catch(() => {});
    const { lifecycle } = this.options.failure;
    const row = await lifecycle
      .apply("giveUp", "relay", job.id!, {
        set: {
          errorCode: "dependency_unavailable",
          errorMessage: `waited over ${Math.round(this.options.maxWaitMs / 1000)} s for ${key} (${reason}) without running`,
          finishedAt: new Date(),
          nextRunAt: null,
          waitingReason: null,
          waitingKey: null,
          waitingUntil: null,
          waitingSince: null,
        },
      })
      .catch(() => null);
    if (row) {
      this.log.warn({ jobId: row.id, type: row.type, reason, key }, "job gave up waiting");
      await handleFailure(this.options.failure, row);
    }
  }

  private wakeMember(member: string, reason: string, key: string): void {
    this.options.waiting
      .wakeMember(member, reason, key)
      .catch((err: Error) => this.log.warn({ member, err: err.message }, "wake failed"));
  }

  /**
   * A local timer at `at` for `reason`/`key` (the earliest one kept): a quota key pops what its state then
   * allows; a breaker or a class wakes one job (the probe).
   */
  wakeAt(reason: string, key: string, at: Date, timeoutMs: number): void {
    if (this.stopped) return;
    const id = `${reason}:${key}`;
    const existing = this.timers.get(id);
    if (existing && existing.at <= at.getTime() && existing.at > Date.now()) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        this.fire(reason, key, timeoutMs).catch((err: Error) =>
          this.log.warn({ reason, key, err: err.message }, "flow wake failed"),
        );
      },
      Math.max(0, at.getTime() - Date.now()) + 5,
    );
    timer.unref();
    this.timers.set(id, { at: at.getTime(), timer });
  }

  private async fire(reason: string, key: string, timeoutMs: number): Promise<void> {
    if (reason === "quota" && !key.startsWith("class:")) {
      const { members, next } = await this.options.flow.wakeQuota(key, probeMsOf(timeoutMs));
      for (const member of members) this.wakeMember(member, reason, key);
      if (next) this.wakeAt(reason, key, next, timeoutMs);
    } else await this.options.waiting.wake(reason, key, 1);
  }

  /**
   * The fallback for wake-ups no one sent (the relay that would have sent them died): every quota key with
   * parked jobs pops what it allows; a class's jobs are all woken (they look again); a closed breaker wakes
   * all its jobs, an open one past its probe time one, and one not yet there gets a timer for it.
   */
  async sweep(timeoutMs: number): Promise<void> {
    const { waiting, breakers } = this.options;
    for (const key of await waiting.parkedKeys("quota")) {
      if (key.startsWith("class:")) await waiting.wake("quota", key);
      else await this.fire("quota", key, timeoutMs);
    }
    for (const dep of await waiting.parkedKeys("breaker")) {
      const b = await breakers.state(dep);
      if (b.state === "closed") await waiting.wake("breaker", dep);
      else if (!b.nextProbeAt || Date.parse(b.nextProbeAt) <= Date.now())
        await waiting.wake("breaker", dep, 1);
      else this.wakeAt("breaker", dep, new Date(b.nextProbeAt), timeoutMs);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

/** How long a probe (or a class's first job) may run before another may: the job's timeout and a margin. */
const probeMsOf = (timeoutMs: number) => timeoutMs + 5_000;
