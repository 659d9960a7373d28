// /admin/orgs/:id/limits: per-organization limits (org_limits), every field optional and nullable (null = the
// default). maxActive, enqueuePerMinute and hard are for flow control; aiBudgetUsd and aiSoftBudgetUsd are the
// monthly AI budgets content generation enforces. The CLI's orgs:limits validates with the same schema.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { getOrgLimits, type OrgLimits, putOrgLimits } from "../../../db/queries/org-limits.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, json } from "../schemas.js";

const usd = z.number().min(0).max(1_000_000_000);

export const OrgLimitsInput = z
  .object({
    maxActive: z.number().int().min(1).max(1_000_000).nullable().optional().openapi({
      description: "Jobs of the organization active at once (null: the relay's default)",
    }),
    enqueuePerMinute: z.number().int().min(1).max(1_000_000).nullable().optional().openapi({
      description: "Jobs the organization may enqueue per minute (null: the default)",
    }),
    hard: z.boolean().nullable().optional().openapi({
      description:
        "true: maxActive is never exceeded (a plan tier). false/null (soft): at its cap the organization still gets a free slot when no other organization under its own cap is waiting",
    }),
    aiBudgetUsd: usd.nullable().optional().openapi({
      description: "Monthly (UTC) AI spend past which calls are refused (AI_BUDGET_EXCEEDED); null: none",
    }),
    aiSoftBudgetUsd: usd.nullable().optional().openapi({
      description: "Monthly AI spend at which the users and the webhook are told, once a month; null: none",
    }),
  })
  .strict()
  .openapi("OrgLimitsInput");

const OrgLimitsSchema = z
  .object({
    orgId: z.string(),
    maxActive: z.number().int().nullable(),
    enqueuePerMinute: z.number().int().nullable(),
    hard: z.boolean().nullable(),
    aiBudgetUsd: z.number().nullable(),
    aiSoftBudgetUsd: z.number().nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi("OrgLimits");

export function limitsView(orgId: string, l: OrgLimits) {
  return {
    orgId,
    maxActive: l.maxActive,
    enqueuePerMinute: l.enqueuePerMinute,
    hard: l.hard,
    aiBudgetUsd: l.aiBudgetUsd,
    aiSoftBudgetUsd: l.aiSoftBudgetUsd,
    updatedAt: l.updatedAt ? l.updatedAt.toISOString() : null,
  };
}

const params = z.object({ id: z.string().min(1) });

const getLimitsRoute = createRoute({
  method: "get",
  path: "/admin/orgs/{id}/limits",
  summary: "An organization's limits (null fields take the default)",
  security: [{ adminToken: [] }],
  request: { params },
  responses: { 200: json(z.object({ limits: OrgLimitsSchema }), "The limits"), ...errorResponses },
});

const putLimitsRoute = createRoute({
  method: "put",
  path: "/admin/orgs/{id}/limits",
  summary: "Set an organization's limits (absent fields unchanged, null back to the default)",
  security: [{ adminToken: [] }],
  request: {
    params,
    body: { content: { "application/json": { schema: OrgLimitsInput } }, required: true },
  },
  responses: { 200: json(z.object({ limits: OrgLimitsSchema }), "The limits now"), ...errorResponses },
});

export function registerOrgLimitRoutes(app: OpenAPIHono<ApiEnv>, deps: Pick<ApiDeps, "db" | "log">): void {
  app.openapi(getLimitsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const limits = await getOrgLimits(deps.db, id);
    if (!limits) throw ApiError.notFound("organization");
    return c.json({ limits: limitsView(id, limits) }, 200);
  });
  app.openapi(putLimitsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const limits = await putOrgLimits(deps.db, id, c.req.valid("json"));
    if (!limits) throw ApiError.notFound("organization");
    deps.log.info({ orgId: id, limits: c.req.valid("json") }, "organization limits set");
    return c.json({ limits: limitsView(id, limits) }, 200);
  });
}
