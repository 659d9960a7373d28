// /v1/content: the content library that content-generation jobs fill (drafts per platform), newest first.
// Another organization's item answers 404.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { type ContentRow, getContent, listContent } from "../../../db/queries/content.js";
import { PLATFORMS, type Platform } from "../../../handlers/kit/platforms.js";
import { decodeCursor, page } from "../cursor.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, json, LimitSchema, listOf } from "../schemas.js";

export function contentView(r: ContentRow) {
  return {
    id: r.id,
    userId: r.userId,
    jobId: r.jobId,
    platform: r.platform as Platform,
    variation: r.variation,
    text: r.text,
    hashtags: r.hashtags,
    status: r.status,
    generator: r.generator === "openai" ? ("openai" as const) : ("offline" as const),
    model: r.model,
    usage:
      r.promptTokens === null && r.completionTokens === null
        ? null
        : { promptTokens: r.promptTokens ?? 0, completionTokens: r.completionTokens ?? 0 },
    costUsd: r.costUsd,
    createdAt: r.createdAt.toISOString(),
  };
}

const ContentSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    jobId: z.string(),
    platform: z.enum(PLATFORMS),
    variation: z
      .number()
      .int()
      .openapi({ description: "0-based variation index within the job and platform" }),
    text: z.string().openapi({ description: "The post as it would be published, hashtags included" }),
    hashtags: z.array(z.string()),
    status: z.string().openapi({ example: "draft" }),
    generator: z.enum(["openai", "offline"]),
    model: z.string().nullable(),
    usage: z
      .object({ promptTokens: z.number().int(), completionTokens: z.number().int() })
      .nullable()
      .openapi({ description: "This item's share of the job's token usage (null for the offline composer)" }),
    costUsd: z.number().nullable().openapi({ description: "This item's share of the job's estimated cost" }),
    createdAt: z.string(),
  })
  .openapi("ContentItem");

const listRoute = createRoute({
  method: "get",
  path: "/v1/content",
  summary: "List the content library, newest first",
  request: {
    query: z.object({
      userId: z.string().optional(),
      jobId: z.string().optional(),
      platform: z.enum(PLATFORMS).optional(),
      limit: LimitSchema,
      cursor: z.string().optional(),
    }),
  },
  responses: {
    200: json(listOf(ContentSchema, "ContentList"), "A page of content items"),
    ...errorResponses,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/content/{id}",
  summary: "Get a content item",
  request: { params: z.object({ id: z.string().min(1) }) },
  responses: { 200: json(z.object({ content: ContentSchema }), "The content item"), ...errorResponses },
});

export function registerContentRoutes(app: OpenAPIHono<ApiEnv>, deps: Pick<ApiDeps, "db">): void {
  app.openapi(listRoute, async (c) => {
    const f = c.req.valid("query");
    const rows = await listContent(deps.db, {
      orgId: c.get("orgId"),
      userId: f.userId,
      jobId: f.jobId,
      platform: f.platform,
      limit: f.limit + 1,
      cursor: decodeCursor(f.cursor),
    });
    return c.json(page(rows, f.limit, contentView), 200);
  });
  app.openapi(getRoute, async (c) => {
    const row = await getContent(deps.db, c.get("orgId"), c.req.valid("param").id);
    if (!row) throw ApiError.notFound("content item");
    return c.json({ content: contentView(row) }, 200);
  });
}
