// /v1/jobs: enqueue, read, list, runs, retry, cancel. Payloads are validated with the type's own schema
// before anything is stored or queued.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import * as q from "../../../db/queries/jobs.js";
import { jobView, runView } from "../../jobs/view.js";
import { decodeCursor, page } from "../cursor.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import {
  errorResponses,
  JobSchema,
  JobStatusSchema,
  json,
  LimitSchema,
  listOf,
  PrioritySchema,
  RunSchema,
} from "../schemas.js";

const EnqueueBody = z
  .object({
    type: z.string().min(1).openapi({ example: "content-generation" }),
    userId: z.string().min(1).max(200),
    payload: z.unknown().openapi({ example: { topic: "Launching our spring collection" } }),
    priority: PrioritySchema.optional(),
    runAt: z.iso.datetime({ offset: true }).optional(),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: "If the job has not started by then, it ends failed with code `expired`" }),
    idempotencyKey: z.string().min(1).max(200).optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.expiresAt) return;
    const at = Date.parse(b.expiresAt);
    if (at <= Date.now())
      ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "must be in the future" });
    else if (b.runAt && at <= Date.parse(b.runAt))
      ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "must be after runAt" });
  })
  .openapi("EnqueueJob");

const JobEnvelope = z.object({ job: JobSchema });
const IdParam = z.object({ id: z.string().min(1) });

const enqueueRoute = createRoute({
  method: "post",
  path: "/v1/jobs",
  summary: "Enqueue a job",
  description:
    "Answers 202 at once; the work runs in the background. An idempotency key answers the original job for 24 h.",
  request: { body: { content: { "application/json": { schema: EnqueueBody } }, required: true } },
  responses: {
    200: json(JobEnvelope, "The job this idempotency key already created"),
    202: json(JobEnvelope, "Accepted"),
    ...errorResponses,
    409: json(z.object({}), "Idempotency key reused with another payload"),
    413: json(z.object({}), "Body over 256 KB"),
    429: json(z.object({}), "Organization over ENQUEUE_RATE_LIMIT; see Retry-After"),
    503: json(z.object({}), "Queue store unavailable; see Retry-After"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}",
  summary: "Get a job",
  request: { params: IdParam },
  responses: { 200: json(JobEnvelope, "The job"), ...errorResponses },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/jobs",
  summary: "List jobs, newest first",
  request: {
    query: z.object({
      userId: z.string().optional(),
      status: JobStatusSchema.optional(),
      type: z.string().optional(),
      limit: LimitSchema,
      cursor: z.string().optional(),
    }),
  },
  responses: { 200: json(listOf(JobSchema, "JobList"), "A page of jobs"), ...errorResponses },
});

const runsRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/runs",
  summary: "Every attempt of a job, with timestamps, duration and outcome",
  request: { params: IdParam },
  responses: { 200: json(z.object({ items: z.array(RunSchema) }), "The runs"), ...errorResponses },
});

const retryRoute = createRoute({
  method: "post",
  path: "/v1/jobs/{id}/retry",
  summary: "Retry a failed or cancelled job with fresh attempts",
  request: { params: IdParam },
  responses: {
    200: json(JobEnvelope, "Queued again"),
    ...errorResponses,
    409: json(z.object({}), "Not failed or cancelled"),
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/v1/jobs/{id}/cancel",
  summary: "Cancel a queued, retrying or active job",
  description:
    "An active job's handler call is aborted; the answer waits for it to end. 409 when it completed first.",
  request: { params: IdParam },
  responses: {
    200: json(JobEnvelope, "Cancelled"),
    ...errorResponses,
    409: json(z.object({}), "Already finished"),
  },
});

export function registerJobRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(enqueueRoute, async (c) => {
    const body = c.req.valid("json");
    const orgId = c.get("orgId");
    const { job, created } = await deps.jobs.enqueue({
      orgId,
      userId: body.userId,
      type: body.type,
      payload: body.payload,
      priority: body.priority ?? deps.config.DEFAULT_PRIORITY,
      runAt: body.runAt ? new Date(body.runAt) : undefined,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined,
      idempotencyKey: body.idempotencyKey ?? c.req.header("idempotency-key") ?? undefined,
      requestId: c.get("requestId"),
      rateLimited: true,
    });
    return c.json({ job: jobView(job) }, created ? 202 : 200);
  });

  app.openapi(getRoute, async (c) => {
    const job = await q.getJob(deps.db, c.req.valid("param").id, c.get("orgId"));
    if (!job) throw ApiError.notFound("job");
    return c.json({ job: jobView(job) }, 200);
  });

  app.openapi(listRoute, async (c) => {
    const f = c.req.valid("query");
    const rows = await q.listJobs(deps.db, {
      orgId: c.get("orgId"),
      userId: f.userId,
      status: f.status,
      type: f.type,
      limit: f.limit + 1,
      cursor: decodeCursor(f.cursor),
    });
    return c.json(page(rows, f.limit, jobView), 200);
  });

  app.openapi(runsRoute, async (c) => {
    const job = await q.getJob(deps.db, c.req.valid("param").id, c.get("orgId"));
    if (!job) throw ApiError.notFound("job");
    return c.json({ items: (await q.listRuns(deps.db, job.id)).map(runView) }, 200);
  });

  app.openapi(retryRoute, async (c) => {
    const job = await deps.jobs.retry(c.get("orgId"), c.req.valid("param").id);
    return c.json({ job: jobView(job) }, 200);
  });

  app.openapi(cancelRoute, async (c) => {
    const job = await deps.jobs.cancel(c.get("orgId"), c.req.valid("param").id);
    return c.json({ job: jobView(job) }, 200);
  });
}
