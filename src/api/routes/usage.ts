// AI usage per UTC day and model (tokens, estimated cost, calls, jobs): GET /v1/usage for the caller's
// organization (optionally one user), GET /admin/usage for any organization. `from` defaults to the start of
// the current month, `to` (exclusive) to now; every AI call counts, discarded and failed ones too.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { usageByDay } from "../../../db/queries/ai-usage.js";
import { getOrgLimits } from "../../../db/queries/org-limits.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, json } from "../schemas.js";

const range = {
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().openapi({ example: "2026-12-01" }),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
};

const Row = z.object({
  day: z.string().openapi({ example: "2026-12-04" }),
  model: z.string(),
  calls: z.number().int(),
  jobs: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  totalTokens: z.number().int(),
  costUsd: z.number(),
});

const UsageSchema = z
  .object({
    orgId: z.string(),
    userId: z.string().nullable(),
    from: z.string(),
    to: z.string(),
    days: z.array(Row).openapi({ description: "One row per UTC day and model, oldest first" }),
    totals: Row.omit({ day: true, model: true }),
  })
  .openapi("Usage");

const v1Route = createRoute({
  method: "get",
  path: "/v1/usage",
  summary: "AI usage of the organization (or one user) per day and model",
  request: { query: z.object({ userId: z.string().optional(), ...range }) },
  responses: { 200: json(z.object({ usage: UsageSchema }), "Usage"), ...errorResponses },
});

const adminRoute = createRoute({
  method: "get",
  path: "/admin/usage",
  summary: "AI usage of any organization per day and model",
  security: [{ adminToken: [] }],
  request: { query: z.object({ orgId: z.string().min(1), userId: z.string().optional(), ...range }) },
  responses: { 200: json(z.object({ usage: UsageSchema }), "Usage"), ...errorResponses },
});

async function usage(
  deps: Pick<ApiDeps, "db">,
  q: { orgId: string; userId?: string; from?: string; to?: string },
) {
  const now = new Date();
  const from = q.from ? new Date(q.from) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = q.to ? new Date(q.to) : now;
  if (to <= from)
    throw new ApiError(400, "invalid_request", "`to` must be after `from`", [
      { path: "to", message: "must be after from" },
    ]);
  const days = (await usageByDay(deps.db, { orgId: q.orgId, userId: q.userId, from, to })).map((r) => ({
    ...r,
    totalTokens: r.promptTokens + r.completionTokens,
  }));
  const sum = (k: "calls" | "jobs" | "promptTokens" | "completionTokens" | "totalTokens" | "costUsd") =>
    days.reduce((s, r) => s + r[k], 0);
  return {
    orgId: q.orgId,
    userId: q.userId ?? null,
    from: from.toISOString(),
    to: to.toISOString(),
    days,
    // Jobs summed over rows count a job once per day and model it used.
    totals: {
      calls: sum("calls"),
      jobs: sum("jobs"),
      promptTokens: sum("promptTokens"),
      completionTokens: sum("completionTokens"),
      totalTokens: sum("totalTokens"),
      costUsd: sum("costUsd"),
    },
  };
}

export function registerUsageRoutes(app: OpenAPIHono<ApiEnv>, deps: Pick<ApiDeps, "db">): void {
  app.openapi(v1Route, async (c) => {
    return c.json({ usage: await usage(deps, { ...c.req.valid("query"), orgId: c.get("orgId") }) }, 200);
  });
  app.openapi(adminRoute, async (c) => {
    const q = c.req.valid("query");
    if (!(await getOrgLimits(deps.db, q.orgId))) throw ApiError.notFound("organization");
    return c.json({ usage: await usage(deps, q) }, 200);
  });
}
