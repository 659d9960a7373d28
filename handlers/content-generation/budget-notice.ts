// The soft AI budget: the first call that takes an organization's monthly spend past it tells the
// organization's users (one notification each) and the app's webhook (one event), once per month.
import { claimSoftBudgetNotice } from "../../db/queries/ai-budget.js";
import { insertBudgetNotices, orgUserIds } from "../../db/queries/budget-notices.js";
import type { OrgLimits } from "../../db/queries/org-limits.js";
import type { HandlerContext, JobEnvelope } from "../kit/context.js";

export async function noticeSoftBudget(
  ctx: Pick<HandlerContext, "db">,
  job: Pick<JobEnvelope, "orgId" | "userId">,
  o: { month: string; spentUsd: number; limits: OrgLimits },
): Promise<void> {
  const soft = o.limits.aiSoftBudgetUsd;
  if (soft === null) return;
  if (!(await claimSoftBudgetNotice(ctx.db, { orgId: job.orgId, month: o.month, softBudgetUsd: soft })))
    return;
  const hard = o.limits.aiBudgetUsd;
  await insertBudgetNotices(ctx.db, {
    orgId: job.orgId,
    userIds: await orgUserIds(ctx.db, job.orgId, job.userId),
    kind: "ai_budget_soft",
    title: "AI budget almost spent",
    message: `Your organization has spent $${o.spentUsd.toFixed(2)} of AI generation in ${o.month}, past its soft budget of $${soft.toFixed(2)}${hard === null ? "" : ` (hard budget $${hard.toFixed(2)})`}.`,
    data: { month: o.month, spentUsd: o.spentUsd, aiSoftBudgetUsd: soft, aiBudgetUsd: hard },
  });
}
