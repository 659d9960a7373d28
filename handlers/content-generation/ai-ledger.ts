// Every AI call of a job goes through here: a reply kept for (job, request key) is reused instead of paid for
// again; otherwise the call's worst-case cost is reserved against the organization's monthly budget, the reply
// is kept as soon as it returns (before validation or save), and its tokens and cost are booked to usage.
import { budgetMonth, reserveBudget, settleBudget } from "../../db/queries/ai-budget.js";
import { getCheckpoint, putCheckpoint } from "../../db/queries/ai-checkpoints.js";
import { recordAiUsage } from "../../db/queries/ai-usage.js";
import type { OrgLimits } from "../../db/queries/org-limits.js";
import type { HandlerContext, JobEnvelope } from "../kit/context.js";
import { coerceError } from "../kit/errors.js";
import { costUsd, priceOf, worstCaseUsd } from "./ai-prices.js";
import { noticeSoftBudget } from "./budget-notice.js";
import type { AiClient, ChatReply, CompleteOptions, TokenUsage } from "./openai-client.js";

/** The organization's hard AI budget leaves no room for this call (and no fallback model does either). */
export class AiBudgetExceeded extends Error {
  override name = "AiBudgetExceeded";
}

interface Reservation {
  month: string;
  amountUsd: number;
  model: string;
}

export class AiLedger {
  /** Calls paid for in this attempt, and replies reused from earlier attempts. */
  readonly calls = { made: 0, reused: 0 };
  /** Estimated cost in USD of every reply this job used (paid now or in an earlier attempt). */
  costUsd = 0;
  /** The model calls use; switches to AI_BUDGET_FALLBACK_MODEL when the budget is spent (mode `model`). */
  model: string;

  constructor(
    private readonly ctx: Pick<HandlerContext, "db" | "config" | "log" | "clock">,
    private readonly job: Pick<JobEnvelope, "jobId" | "orgId" | "userId">,
    private readonly limits: OrgLimits,
    private readonly ai: AiClient,
  ) {
    this.model = ctx.config.OPENAI_MODEL;
  }

  get fellBack(): boolean {
    return this.model !== this.ctx.config.OPENAI_MODEL;
  }

  async call(key: string, opts: Omit<CompleteOptions, "model" | "maxTokens">): Promise<ChatReply> {
    const kept = await getCheckpoint<ChatReply>(this.ctx.db, this.job.jobId, key);
    if (kept) {
      this.calls.reused++;
      this.costUsd += costUsd(kept.usage, priceOf(this.ctx.config, kept.model));
      return kept;
    }
    const reservation = await this.reserve(opts);
    let reply: ChatReply;
    try {
      reply = await this.ai.complete({
        ...opts,
        model: reservation.model,
        maxTokens: this.ctx.config.OPENAI_MAX_TOKENS,
      });
    } catch (err) {
      await this.book(
        key,
        reservation,
        reservation.model,
        { promptTokens: 0, completionTokens: 0 },
        "failed",
      );
      throw err;
    }
    this.calls.made++;
    this.costUsd += costUsd(reply.usage, priceOf(this.ctx.config, reply.model));
    try {
      await putCheckpoint(this.ctx.db, this.job.jobId, key, reply);
    } finally {
      // Booked even when the checkpoint could not be written: the call was paid for, and the reservation
      // must not stay held for the rest of the month.
      await this.book(key, reservation, reply.model, reply.usage, "ok");
    }
    return reply;
  }

  private async reserve(opts: Pick<CompleteOptions, "messages">): Promise<Reservation> {
    const { config, db } = this.ctx;
    const month = budgetMonth(this.ctx.clock.now());
    const budgetUsd = this.limits.aiBudgetUsd;
    if (budgetUsd === null) return { month, amountUsd: 0, model: this.model };
    const amountUsd = worstCaseUsd(opts.messages, config.OPENAI_MAX_TOKENS, priceOf(config, this.model));
    if (await reserveBudget(db, { orgId: this.job.orgId, month, amountUsd, budgetUsd }))
      return { month, amountUsd, model: this.model };
    const fallback = config.AI_BUDGET_FALLBACK_MODEL;
    if (config.AI_BUDGET_EXCEEDED === "model" && fallback && this.model !== fallback) {
      this.ctx.log.warn({ orgId: this.job.orgId, fallback }, "AI budget reached; using the fallback model");
      this.model = fallback;
      return this.reserve(opts);
    }
    throw new AiBudgetExceeded(
      `organization ${this.job.orgId} has spent its AI budget of $${budgetUsd} for ${month}`,
    );
  }

  /** Usage row, settled spend, and the soft-budget notice; never masks the call's own outcome. */
  private async book(
    key: string,
    reservation: Reservation,
    model: string,
    usage: TokenUsage,
    outcome: "ok" | "failed",
  ): Promise<void> {
    const { db, config } = this.ctx;
    const cost = costUsd(usage, priceOf(config, model));
    try {
      await recordAiUsage(db, {
        orgId: this.job.orgId,
        userId: this.job.userId,
        jobId: this.job.jobId,
        requestKey: key,
        model,
        outcome,
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
        costUsd: cost,
        createdAt: this.ctx.clock.now(),
      });
      const spentUsd = await settleBudget(db, {
        orgId: this.job.orgId,
        month: reservation.month,
        reservedUsd: reservation.amountUsd,
        actualUsd: cost,
      });
      const soft = this.limits.aiSoftBudgetUsd;
      if (soft !== null && spentUsd >= soft)
        await noticeSoftBudget(this.ctx, this.job, {
          month: reservation.month,
          spentUsd,
          limits: this.limits,
        });
    } catch (err) {
      if (outcome === "ok") throw err;
      this.ctx.log.error(
        { err: coerceError(err).message, jobId: this.job.jobId },
        "could not book a failed AI call",
      );
    }
  }
}
