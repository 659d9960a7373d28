// /v1/insights: the brand brain of a user, recomputed after every analytics sync (per platform average
// engagement rate, best weekday and hour, top posts and hashtags; overall trend). 404 before the first sync.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { getInsights } from "../../../db/queries/analytics.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, json } from "../schemas.js";

export type InsightDeps = Pick<ApiDeps, "db">;

const InsightsSchema = z
  .object({
    userId: z.string(),
    computedAt: z.string(),
    data: z.record(z.string(), z.unknown()).openapi({
      description:
        "`{timezone, platforms: {<platform>: {posts, postsWithImpressions, avgEngagementRate, bestWeekday, bestHour, topPosts, topHashtags}}, overall: {posts, avgEngagementRate, topHashtags, trend}}`",
    }),
  })
  .openapi("Insights");

const getRoute = createRoute({
  method: "get",
  path: "/v1/insights",
  summary: "A user's content insights from their synced post analytics",
  request: { query: z.object({ userId: z.string().min(1) }) },
  responses: { 200: json(z.object({ insights: InsightsSchema }), "The insights"), ...errorResponses },
});

export function registerInsightRoutes(app: OpenAPIHono<ApiEnv>, deps: InsightDeps): void {
  app.openapi(getRoute, async (c) => {
    const { userId } = c.req.valid("query");
    const row = await getInsights(deps.db, c.get("orgId"), userId);
    if (!row) throw ApiError.notFound("insights (no analytics sync has completed for this user yet)");
    return c.json(
      {
        insights: {
          userId: row.userId,
          computedAt: row.computedAt.toISOString(),
          data: row.data as Record<string, unknown>,
        },
      },
      200,
    );
  });
}
