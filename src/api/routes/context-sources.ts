// /v1/context-sources (websites and feeds a user's context library is scraped from, with their health)
// and /v1/context-items (what scrapes stored; `q` is Postgres full-text search). POST /:id/scrape enqueues
// a `scrape` job with dedup key `scrape:<sourceId>`: one already queued or running is answered instead.
// A website's `scope` is `page` (the one page) or `site` (crawled from its sitemaps; pagesKnown/pagesScraped).
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import * as q from "../../../db/queries/context.js";
import { newId } from "../../../handlers/kit/ids.js";
import { urlBlockReason } from "../../../handlers/kit/net/url-guard.js";
import { jobView } from "../../jobs/view.js";
import { decodeCursor, page } from "../cursor.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, JobSchema, json, LimitSchema, listOf } from "../schemas.js";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function sourceView(s: q.ContextSourceRow) {
  return {
    id: s.id,
    userId: s.userId,
    kind: s.kind,
    url: s.url,
    scope: s.scope,
    name: s.name,
    enabled: s.enabled,
    health: s.health,
    consecutiveFailures: s.consecutiveFailures,
    lastSuccessAt: iso(s.lastSuccessAt),
    lastFailureAt: iso(s.lastFailureAt),
    lastError: s.lastError,
    lastItemAt: iso(s.lastItemAt),
    lastScrapedAt: iso(s.lastScrapedAt),
    itemCount: s.itemCount,
    pagesKnown: s.pagesKnown,
    pagesScraped: s.pagesScraped,
    lastCrawlAt: iso(s.lastCrawlAt),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export function itemView(i: q.ContextItemRow) {
  return {
    id: i.id,
    sourceId: i.sourceId,
    userId: i.userId,
    url: i.url,
    title: i.title,
    description: i.description,
    language: i.language,
    text: i.text,
    publishedAt: iso(i.publishedAt),
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}

const ts = z.string().nullable();
const SourceSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    kind: z.enum(["website", "rss"]),
    url: z.string(),
    scope: z.enum(["page", "site"]),
    name: z.string().nullable(),
    enabled: z.boolean(),
    health: z.enum(["healthy", "unhealthy"]),
    consecutiveFailures: z.number().int(),
    lastSuccessAt: ts,
    lastFailureAt: ts,
    lastError: z.string().nullable(),
    lastItemAt: ts,
    lastScrapedAt: ts,
    itemCount: z.number().int(),
    pagesKnown: z.number().int().openapi({ description: "Site scope: page URLs the last discovery found" }),
    pagesScraped: z.number().int().openapi({ description: "Site scope: pages stored and not gone" }),
    lastCrawlAt: ts,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("ContextSource");

const ItemSchema = z
  .object({
    id: z.string(),
    sourceId: z.string(),
    userId: z.string(),
    url: z.string().nullable(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    language: z.string().nullable().openapi({ description: "BCP 47 tag from <html lang> or og:locale" }),
    text: z.string(),
    publishedAt: ts,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("ContextItem");

const HttpUrl = z
  .url()
  .max(2048)
  .refine((u) => /^https?:\/\//i.test(u), "http or https URLs only")
  .openapi({ example: "https://example.com/blog/feed.xml" });

const CreateBody = z
  .object({
    userId: z.string().min(1).max(200),
    kind: z.enum(["website", "rss"]),
    url: HttpUrl,
    scope: z.enum(["page", "site"]).optional().openapi({
      description:
        "Websites: `page` (default) scrapes the one page; `site` crawls the site from its sitemaps",
    }),
    name: z.string().min(1).max(200).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => b.kind === "website" || b.scope === undefined, {
    path: ["scope"],
    message: "scope applies to websites only",
  })
  .openapi("CreateContextSource");

const PatchBody = z
  .object({ name: z.string().min(1).max(200).nullable().optional(), enabled: z.boolean().optional() })
  .openapi("UpdateContextSource");

const IdParam = z.object({ id: z.string().min(1) });
const SourceEnvelope = z.object({ source: SourceSchema });

const routes = {
  create: createRoute({
    method: "post",
    path: "/v1/context-sources",
    summary: "Add a website or feed to a user's context library",
    request: { body: { content: { "application/json": { schema: CreateBody } }, required: true } },
    responses: { 201: json(SourceEnvelope, "Created"), ...errorResponses },
  }),
  list: createRoute({
    method: "get",
    path: "/v1/context-sources",
    summary: "List context sources with their health, newest first",
    request: {
      query: z.object({ userId: z.string().optional(), limit: LimitSchema, cursor: z.string().optional() }),
    },
    responses: {
      200: json(listOf(SourceSchema, "ContextSourceList"), "A page of sources"),
      ...errorResponses,
    },
  }),
  get: createRoute({
    method: "get",
    path: "/v1/context-sources/{id}",
    summary: "Get a context source with its health",
    request: { params: IdParam },
    responses: { 200: json(SourceEnvelope, "The source"), ...errorResponses },
  }),
  patch: createRoute({
    method: "patch",
    path: "/v1/context-sources/{id}",
    summary: "Rename, enable or disable a context source",
    request: {
      params: IdParam,
      body: { content: { "application/json": { schema: PatchBody } }, required: true },
    },
    responses: { 200: json(SourceEnvelope, "Updated"), ...errorResponses },
  }),
  delete: createRoute({
    method: "delete",
    path: "/v1/context-sources/{id}",
    summary: "Delete a context source and its items",
    request: { params: IdParam },
    responses: { 204: { description: "Deleted" }, ...errorResponses },
  }),
  scrape: createRoute({
    method: "post",
    path: "/v1/context-sources/{id}/scrape",
    summary: "Scrape a source now",
    description:
      "202 with a new `scrape` job, or 200 with the one already queued or running for this source.",
    request: { params: IdParam },
    responses: {
      200: json(z.object({ job: JobSchema }), "A scrape of this source is already queued or running"),
      202: json(z.object({ job: JobSchema }), "Accepted"),
      ...errorResponses,
      429: json(z.object({}), "Organization over ENQUEUE_RATE_LIMIT; see Retry-After"),
      503: json(z.object({}), "Queue store unavailable; see Retry-After"),
    },
  }),
  items: createRoute({
    method: "get",
    path: "/v1/context-items",
    summary: "List or search the context library, newest first",
    request: {
      query: z.object({
        userId: z.string().optional(),
        sourceId: z.string().optional(),
        q: z
          .string()
          .min(1)
          .max(500)
          .optional()
          .openapi({ description: "Full-text search (web search syntax)" }),
        limit: LimitSchema,
        cursor: z.string().optional(),
      }),
    },
    responses: {
      200: json(listOf(ItemSchema, "ContextItemList"), "A page of context items"),
      ...errorResponses,
    },
  }),
};

export function registerContextSourceRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: Pick<ApiDeps, "db" | "jobs" | "config" | "catalog">,
): void {
  const found = async (orgId: string, id: string) => {
    const source = await q.getSource(deps.db, orgId, id);
    if (!source) throw ApiError.notFound("context source");
    return source;
  };

  app.openapi(routes.create, async (c) => {
    const body = c.req.valid("json");
    const blocked = urlBlockReason(body.url, { allowPrivate: deps.config.SCRAPER_ALLOW_PRIVATE_NETWORKS });
    if (blocked) {
      throw new ApiError(400, "invalid_request", `invalid request: url: ${blocked}`, [
        { path: "url", message: blocked },
      ]);
    }
    const source = await q.insertSource(deps.db, {
      id: newId("src"),
      orgId: c.get("orgId"),
      userId: body.userId,
      kind: body.kind,
      url: new URL(body.url).href,
      scope: body.scope ?? "page",
      name: body.name ?? null,
      enabled: body.enabled ?? true,
    });
    return c.json({ source: sourceView(source) }, 201);
  });

  app.openapi(routes.list, async (c) => {
    const f = c.req.valid("query");
    const rows = await q.listSources(deps.db, {
      orgId: c.get("orgId"),
      userId: f.userId,
      limit: f.limit + 1,
      cursor: decodeCursor(f.cursor),
    });
    return c.json(page(rows, f.limit, sourceView), 200);
  });

  app.openapi(routes.get, async (c) => {
    return c.json({ source: sourceView(await found(c.get("orgId"), c.req.valid("param").id)) }, 200);
  });

  app.openapi(routes.patch, async (c) => {
    const row = await q.updateSource(
      deps.db,
      c.get("orgId"),
      c.req.valid("param").id,
      c.req.valid("json"),
      new Date(),
    );
    if (!row) throw ApiError.notFound("context source");
    return c.json({ source: sourceView(row) }, 200);
  });

  app.openapi(routes.delete, async (c) => {
    if (!(await q.deleteSource(deps.db, c.get("orgId"), c.req.valid("param").id))) {
      throw ApiError.notFound("context source");
    }
    return c.body(null, 204);
  });

  app.openapi(routes.scrape, async (c) => {
    const orgId = c.get("orgId");
    const source = await found(orgId, c.req.valid("param").id);
    const payload = { sourceId: source.id };
    const { job, created } = await deps.jobs.enqueue({
      orgId,
      userId: source.userId,
      type: "scrape",
      payload,
      priority: deps.config.DEFAULT_PRIORITY,
      dedupKey: deps.catalog.get("scrape")?.dedupKey?.(payload),
      requestId: c.get("requestId"),
      rateLimited: true,
    });
    return c.json({ job: jobView(job) }, created ? 202 : 200);
  });

  app.openapi(routes.items, async (c) => {
    const f = c.req.valid("query");
    const rows = await q.listItems(deps.db, {
      orgId: c.get("orgId"),
      userId: f.userId,
      sourceId: f.sourceId,
      q: f.q,
      limit: f.limit + 1,
      cursor: decodeCursor(f.cursor),
    });
    return c.json(page(rows, f.limit, itemView), 200);
  });
}
