// Monthly AI budgets per organization (org_limits) through the real handler and Postgres: 20 jobs racing at the
// edge of a budget never spend past it, each AI_BUDGET_EXCEEDED mode, and the soft budget's one notice a month.
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { budgetMonth, monthSpend } from "../../db/queries/ai-budget.js";
import { putOrgLimits } from "../../db/queries/org-limits.js";
import { aiUsage, jobs, notifications, organizations } from "../../db/schema.js";
import { newId } from "../../handlers/kit/ids.js";
import { completion } from "../fakes/openai-server.js";
import { type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.openai.requests.length = 0;
});

const post = { linkedin: [{ text: "Rooftop solar is a finance decision now.", hashtags: ["Energy"] }] };
const payload = { topic: "Home solar", platforms: ["linkedin"] };
// Prompt tokens free and every reply using exactly max_tokens: a reservation equals the call's actual cost.
const exact = { OPENAI_INPUT_USD_PER_MTOK: "0", OPENAI_OUTPUT_USD_PER_MTOK: "10", OPENAI_MAX_TOKENS: "100" };
const RESERVATION = (100 * 10) / 1e6;

async function org(limits: Parameters<typeof putOrgLimits>[2]): Promise<string> {
  const id = newId("org");
  await h.db.db.insert(organizations).values({ id, name: id });
  await putOrgLimits(h.db.db, id, limits);
  return id;
}

test("20 jobs racing at the edge of the budget: exactly the ones that fit run, none past the budget", async () => {
  const orgId = await org({ aiBudgetUsd: RESERVATION * 5.5 });
  h.openai.fallback(() => completion(post, { usage: { prompt_tokens: 700, completion_tokens: 100 } }));
  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      h.deliver(payload, { orgId, env: { ...exact, AI_BUDGET_EXCEEDED: "fail" } }),
    ),
  );
  const statuses = answers.map((r) => r.status);
  expect(statuses.filter((s) => s === 200)).toHaveLength(5);
  expect(statuses.filter((s) => s === 422)).toHaveLength(15);
  const refused = await answers.find((r) => r.status === 422)!.json();
  expect(refused.error.code).toBe("ai_budget_exceeded");
  expect(h.openai.requests).toHaveLength(5);
  const spend = await monthSpend(h.db.db, orgId, budgetMonth(new Date()));
  expect(spend.spentUsd).toBeCloseTo(RESERVATION * 5, 12);
  expect(spend.spentUsd).toBeLessThanOrEqual(RESERVATION * 5.5);
  expect(spend.reservedUsd).toBeCloseTo(0, 12);
  h.openai.fallback(() => completion(post));
});

test("AI_BUDGET_EXCEEDED=offline (default): the offline composer writes the posts, no AI call", async () => {
  const orgId = await org({ aiBudgetUsd: RESERVATION / 2 });
  const jobId = newId("job");
  const res = await h.deliver(payload, { orgId, jobId, env: exact });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({
    generator: "offline",
    offlineReason: "ai_budget_exceeded",
    aiCalls: { made: 0, reused: 0 },
  });
  expect((await h.items(jobId))[0]!.generator).toBe("offline");
  expect(h.openai.requests).toHaveLength(0);
});

test("AI_BUDGET_EXCEEDED=fail: 422 ai_budget_exceeded, which the relay never retries", async () => {
  const orgId = await org({ aiBudgetUsd: RESERVATION / 2 });
  const res = await h.deliver(payload, { orgId, env: { ...exact, AI_BUDGET_EXCEEDED: "fail" } });
  expect(res.status).toBe(422);
  expect((await res.json()).error.code).toBe("ai_budget_exceeded");
  expect(h.openai.requests).toHaveLength(0);
});

test("AI_BUDGET_EXCEEDED=model: the cheaper fallback model writes the posts at its own price", async () => {
  const orgId = await org({ aiBudgetUsd: RESERVATION / 2 });
  h.openai.enqueue(
    completion(post, { model: "cheap-mini-1", usage: { prompt_tokens: 10, completion_tokens: 100 } }),
  );
  const jobId = newId("job");
  const res = await h.deliver(payload, {
    orgId,
    jobId,
    env: {
      ...exact,
      AI_BUDGET_EXCEEDED: "model",
      AI_BUDGET_FALLBACK_MODEL: "cheap-mini",
      AI_MODEL_PRICES: "cheap-mini=0/1",
    },
  });
  expect(res.status).toBe(200);
  const result = await res.json();
  expect(result).toMatchObject({
    generator: "openai",
    model: "cheap-mini-1",
    aiCalls: { made: 1, reused: 0 },
  });
  expect(result.costUsd).toBeCloseTo(100 / 1e6, 12);
  expect(h.openai.requests[0]!.body.model).toBe("cheap-mini");
  const [usage] = await h.db.db.select().from(aiUsage).where(eq(aiUsage.jobId, jobId));
  expect(usage).toMatchObject({ model: "cheap-mini-1", completionTokens: 100 });
});

test("the soft budget tells each of the organization's users once a month, and the webhook once", async () => {
  const orgId = await org({ aiSoftBudgetUsd: RESERVATION * 1.5 });
  await h.db.db.insert(jobs).values(
    ["user_a", "user_b", "user_c"].map((userId) => ({
      id: newId("job"),
      orgId,
      userId,
      type: "content-generation",
      status: "completed" as const,
      priority: "normal" as const,
      payload,
      maxAttempts: 4,
    })),
  );
  h.openai.fallback(() => completion(post, { usage: { prompt_tokens: 5, completion_tokens: 100 } }));
  for (let i = 0; i < 4; i++) expect((await h.deliver(payload, { orgId, env: exact })).status).toBe(200);
  h.openai.fallback(() => completion(post));
  const rows = await h.db.db
    .select()
    .from(notifications)
    .where(and(eq(notifications.orgId, orgId), eq(notifications.kind, "ai_budget_soft")));
  expect(rows.map((r) => r.userId).sort()).toEqual(["user_a", "user_b", "user_c"]);
  const forWebhook = await h.db.db
    .select()
    .from(notifications)
    .where(and(eq(notifications.orgId, orgId), isNull(notifications.webhookDeliveredAt)));
  expect(forWebhook).toHaveLength(1);
  expect(rows[0]!.data).toMatchObject({ month: budgetMonth(new Date()), aiSoftBudgetUsd: RESERVATION * 1.5 });
});
