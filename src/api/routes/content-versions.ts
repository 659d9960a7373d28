// POST /v1/content/:id/regenerate {instructions?} → 202 {job}: a content-generation job for that one item
// (same topic, platform rules and context as the job that wrote it), enqueued through JobsService like
// POST /v1/jobs; it saves a new version and keeps the old. GET /v1/content/:id/versions lists them, oldest first.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { getContent } from "../../../db/queries/content.js";
import { listVersions } from "../../../db/queries/content-versions.js";
import { getJob } from "../../../db/queries/jobs.js";
import type { ContentGenerationPayload } from "../../../handlers/content-generation/index.js";
import type { Platform } from "../../../handlers/kit/platforms.js";
import { jobView } from "../../jobs/view.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, JobSchema, json } from "../schemas.js";

const params = z.object({ id: z.string().min(1) });

const regenerateRoute = createRoute({
  method: "post",
  path: "/v1/content/{id}/regenerate",
  summary: "Regenerate one content item as a new version (the previous versions are kept)",
  request: {
    params,
    body: {
      content: {
        "application/json": {
          schema: z.object({
            instructions: z
              .string()
              .trim()
              .min(1)
              .max(1000)
              .optional()
              .openapi({ example: "Shorter, and mention the free trial" }),
          }),
        },
      },
    },
  },
  responses: { 202: json(z.object({ job: JobSchema }), "Accepted: the regenerate job"), ...errorResponses },
});

const VersionSchema = z
  .object({
    version: z.number().int().openapi({ description: "1 = the original" }),
    current: z.boolean(),
    jobId: z.string(),
    text: z.string(),
    hashtags: z.array(z.string()),
    generator: z.enum(["openai", "offline"]),
    model: z.string().nullable(),
    instructions: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("ContentVersion");

const versionsRoute = createRoute({
  method: "get",
  path: "/v1/content/{id}/versions",
  summary: "Every version of a content item, oldest first",
  request: { params },
  responses: {
    200: json(z.object({ items: z.array(VersionSchema), nextCursor: z.null() }), "The versions"),
    ...errorResponses,
  },
});

const generatorOf = (g: string) => (g === "openai" ? ("openai" as const) : ("offline" as const));

export function registerContentVersionRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: Pick<ApiDeps, "db" | "jobs" | "config">,
): void {
  app.openapi(regenerateRoute, async (c) => {
    const orgId = c.get("orgId");
    const item = await getContent(deps.db, orgId, c.req.valid("param").id);
    if (!item) throw ApiError.notFound("content item");
    const body = c.req.valid("json");
    // The job that wrote the item gives the topic and voice; past retention, the item's own text stands in.
    const origin = await getJob(deps.db, item.jobId, orgId);
    const was = (origin?.payload ?? {}) as Partial<ContentGenerationPayload>;
    const payload: ContentGenerationPayload = {
      topic: was.topic ?? item.text.slice(0, 500),
      tone: was.tone,
      audience: was.audience,
      callToAction: was.callToAction,
      contextSourceIds: was.contextSourceIds,
      platforms: [item.platform as Platform],
      variationsPerPlatform: 1,
      regenerate: { contentItemId: item.id, instructions: body?.instructions },
    };
    const { job } = await deps.jobs.enqueue({
      orgId,
      userId: item.userId,
      type: "content-generation",
      payload,
      priority: deps.config.DEFAULT_PRIORITY,
      requestId: c.get("requestId"),
      rateLimited: true,
    });
    return c.json({ job: jobView(job) }, 202);
  });

  app.openapi(versionsRoute, async (c) => {
    const item = await getContent(deps.db, c.get("orgId"), c.req.valid("param").id);
    if (!item) throw ApiError.notFound("content item");
    const rows = await listVersions(deps.db, item.id);
    const versions = rows.length
      ? rows
      : [{ ...item, version: 1, instructions: null, contentItemId: item.id }];
    const last = versions.at(-1)!.version;
    const items = versions.map((v) => ({
      version: v.version,
      current: v.version === last,
      jobId: v.jobId,
      text: v.text,
      hashtags: v.hashtags,
      generator: generatorOf(v.generator),
      model: v.model,
      instructions: v.instructions,
      createdAt: v.createdAt.toISOString(),
    }));
    return c.json({ items, nextCursor: null }, 200);
  });
}
