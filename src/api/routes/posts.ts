// /v1/posts: published posts to track for analytics. POST registers one (idempotent per account + external
// id); lists carry each post's latest metrics; /v1/posts/{id}/metrics is the snapshot time series.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  contentItemExists,
  getPost,
  getSocialAccount,
  insertPost,
  latestMetrics,
  listPosts,
  metricSeries,
  type PostMetricRow,
  type PostRow,
} from "../../../db/queries/analytics.js";
import { newId } from "../../../handlers/kit/ids.js";
import { PLATFORMS, type Platform } from "../../../handlers/kit/platforms.js";
import { decodeCursor, page } from "../cursor.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, json, LimitSchema, listOf } from "../schemas.js";

export type PostDeps = Pick<ApiDeps, "db">;

export const MetricsSchema = z
  .object({
    capturedAt: z.string(),
    jobId: z.string(),
    likes: z.number().int(),
    comments: z.number().int(),
    shares: z.number().int(),
    impressions: z.number().int(),
    clicks: z.number().int().nullable(),
    saves: z.number().int().nullable(),
    engagementRate: z
      .number()
      .nullable()
      .openapi({ description: "(likes + comments + shares) / impressions; null when impressions are 0" }),
  })
  .openapi("PostMetrics");

export const PostSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    socialAccountId: z.string(),
    platform: z.enum(PLATFORMS),
    externalPostId: z.string(),
    contentItemId: z.string().nullable(),
    text: z.string().nullable(),
    publishedAt: z.string(),
    createdAt: z.string(),
    latestMetrics: MetricsSchema.nullable(),
  })
  .openapi("Post");

export function metricsView(m: PostMetricRow) {
  return {
    capturedAt: m.capturedAt.toISOString(),
    jobId: m.jobId,
    likes: m.likes,
    comments: m.comments,
    shares: m.shares,
    impressions: m.impressions,
    clicks: m.clicks,
    saves: m.saves,
    engagementRate: m.engagementRate,
  };
}

export function postView(p: PostRow, latest: PostMetricRow | undefined) {
  return {
    id: p.id,
    userId: p.userId,
    socialAccountId: p.socialAccountId,
    platform: p.platform as Platform,
    externalPostId: p.externalPostId,
    contentItemId: p.contentItemId,
    text: p.text,
    publishedAt: p.publishedAt.toISOString(),
    createdAt: p.createdAt.toISOString(),
    latestMetrics: latest ? metricsView(latest) : null,
  };
}

const CreateBody = z
  .object({
    socialAccountId: z.string().min(1),
    externalPostId: z.string().min(1).max(300).openapi({
      description: "Tweet id, LinkedIn share/ugcPost URN, Facebook `{page}_{post}` id, Instagram media id",
    }),
    contentItemId: z.string().min(1).optional(),
    publishedAt: z.iso.datetime({ offset: true }),
    text: z
      .string()
      .max(10_000)
      .optional()
      .openapi({ description: "Defaults to the linked content item's text" }),
  })
  .openapi("RegisterPost");

const Envelope = z.object({ post: PostSchema });
const IdParam = z.object({ id: z.string().min(1) });

const createPostRoute = createRoute({
  method: "post",
  path: "/v1/posts",
  summary: "Register a published post to track (idempotent per account and external id)",
  request: { body: { content: { "application/json": { schema: CreateBody } }, required: true } },
  responses: { 201: json(Envelope, "Tracking"), 200: json(Envelope, "Already tracked"), ...errorResponses },
});
const listRoute = createRoute({
  method: "get",
  path: "/v1/posts",
  summary: "List tracked posts with their latest metrics, newest first",
  request: {
    query: z.object({
      userId: z.string().optional(),
      platform: z.enum(PLATFORMS).optional(),
      socialAccountId: z.string().optional(),
      limit: LimitSchema,
      cursor: z.string().optional(),
    }),
  },
  responses: { 200: json(listOf(PostSchema, "PostList"), "A page of posts"), ...errorResponses },
});
const getPostRoute = createRoute({
  method: "get",
  path: "/v1/posts/{id}",
  summary: "Get a tracked post with its latest metrics",
  request: { params: IdParam },
  responses: { 200: json(Envelope, "The post"), ...errorResponses },
});
const seriesRoute = createRoute({
  method: "get",
  path: "/v1/posts/{id}/metrics",
  summary: "A post's metric snapshots, oldest first (one per sync)",
  request: {
    params: IdParam,
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
  },
  responses: { 200: json(z.object({ items: z.array(MetricsSchema) }), "The time series"), ...errorResponses },
});

export function registerPostRoutes(app: OpenAPIHono<ApiEnv>, deps: PostDeps): void {
  app.openapi(createPostRoute, async (c) => {
    const orgId = c.get("orgId");
    const body = c.req.valid("json");
    const account = await getSocialAccount(deps.db, orgId, body.socialAccountId);
    if (!account) {
      throw new ApiError(400, "invalid_request", "unknown social account", [
        { path: "socialAccountId", message: "no such social account in this organization" },
      ]);
    }
    let text = body.text ?? null;
    if (body.contentItemId) {
      const item = await contentItemExists(deps.db, orgId, body.contentItemId);
      if (!item) {
        throw new ApiError(400, "invalid_request", "unknown content item", [
          { path: "contentItemId", message: "no such content item in this organization" },
        ]);
      }
      text ??= item.text;
    }
    const { post, created } = await insertPost(deps.db, {
      id: newId("post"),
      orgId,
      userId: account.userId,
      socialAccountId: account.id,
      platform: account.platform,
      externalPostId: body.externalPostId,
      contentItemId: body.contentItemId ?? null,
      text,
      publishedAt: new Date(body.publishedAt),
    });
    const latest = created ? undefined : (await latestMetrics(deps.db, [post.id])).get(post.id);
    return c.json({ post: postView(post, latest) }, created ? 201 : 200);
  });

  app.openapi(listRoute, async (c) => {
    const f = c.req.valid("query");
    const rows = await listPosts(deps.db, {
      orgId: c.get("orgId"),
      userId: f.userId,
      platform: f.platform,
      socialAccountId: f.socialAccountId,
      limit: f.limit + 1,
      cursor: decodeCursor(f.cursor),
    });
    const latest = await latestMetrics(
      deps.db,
      rows.slice(0, f.limit).map((r) => r.id),
    );
    return c.json(
      page(rows, f.limit, (r) => postView(r, latest.get(r.id))),
      200,
    );
  });

  app.openapi(getPostRoute, async (c) => {
    const post = await getPost(deps.db, c.get("orgId"), c.req.valid("param").id);
    if (!post) throw ApiError.notFound("post");
    return c.json({ post: postView(post, (await latestMetrics(deps.db, [post.id])).get(post.id)) }, 200);
  });

  app.openapi(seriesRoute, async (c) => {
    const post = await getPost(deps.db, c.get("orgId"), c.req.valid("param").id);
    if (!post) throw ApiError.notFound("post");
    const items = await metricSeries(deps.db, post.id, c.req.valid("query").limit);
    return c.json({ items: items.map(metricsView) }, 200);
  });
}
