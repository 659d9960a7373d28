// /admin/schedules (ADMIN_TOKEN): list the schedules (with where each value came from and the last sync),
// change one (validated for the configured driver, then reconciled), and run one now (a fan-out is queued).
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { ScheduleRow } from "../../../db/queries/schedules.js";
import { ScheduleControl } from "../../scheduler/control.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, json } from "../schemas.js";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const ScheduleSchema = z
  .object({
    jobType: z.string(),
    cron: z.string(),
    timezone: z.string(),
    enabled: z.boolean(),
    lastRunAt: z.string().nullable(),
    nextRunAt: z.string().nullable(),
    lastSkippedAt: z.string().nullable(),
    skippedCount: z.number().int(),
    lastEnqueuedCount: z.number().int(),
    updatedAt: z.string().nullable(),
    source: z.enum(["default", "api", "console"]).openapi({
      description: "Where cron and enabled came from: seeded, the admin API/CLI, or the QStash console",
    }),
    lastSyncedAt: z
      .string()
      .nullable()
      .openapi({ description: "When a reconcile last found table and driver agreeing" }),
    syncError: z
      .string()
      .nullable()
      .openapi({ description: "Why the last sync was not done as asked (e.g. a console cron refused)" }),
  })
  .openapi("Schedule");

function scheduleView(s: ScheduleRow) {
  return {
    jobType: s.jobType,
    cron: s.cron,
    timezone: s.timezone,
    enabled: s.enabled,
    lastRunAt: iso(s.lastRunAt),
    nextRunAt: iso(s.nextRunAt),
    lastSkippedAt: iso(s.lastSkippedAt),
    skippedCount: s.skippedCount,
    lastEnqueuedCount: s.lastEnqueuedCount,
    updatedAt: iso(s.updatedAt),
    source: s.source,
    lastSyncedAt: iso(s.lastSyncedAt),
    syncError: s.syncError,
  };
}

const controls = new WeakMap<ApiDeps, ScheduleControl>();

/** One ScheduleControl per API (shared by the admin and trigger routes). */
export function scheduleControl(deps: ApiDeps): ScheduleControl {
  let control = controls.get(deps);
  if (!control) {
    control = new ScheduleControl({
      config: deps.config,
      db: deps.db,
      catalog: deps.catalog,
      redis: deps.redis,
      prefix: deps.queues.prefix,
      log: deps.log,
    });
    controls.set(deps, control);
  }
  return control;
}

const params = z.object({ jobType: z.string().min(1).max(64) });

const listRoute = createRoute({
  method: "get",
  path: "/admin/schedules",
  summary: "List the schedules (one per scheduled job type)",
  security: [{ adminToken: [] }],
  responses: {
    200: json(z.object({ items: z.array(ScheduleSchema), nextCursor: z.string().nullable() }), "Schedules"),
    ...errorResponses,
  },
});

const putRoute = createRoute({
  method: "put",
  path: "/admin/schedules/{jobType}",
  summary: "Change a schedule; the scheduler driver is reconciled with it at once",
  description:
    "`cron`: 5 fields (6 with seconds only under SCHEDULER=bullmq). `timezone`: an IANA zone (kept when omitted). `enabled` is kept when omitted. `synced` is false when the driver (QStash) could not be reached; the change is saved and applied at the next reconcile.",
  security: [{ adminToken: [] }],
  request: {
    params,
    body: {
      content: {
        "application/json": {
          schema: z.object({
            cron: z.string().min(1).max(200),
            timezone: z.string().min(1).max(64).optional(),
            enabled: z.boolean().optional(),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: json(
      z.object({ schedule: ScheduleSchema, synced: z.boolean(), syncError: z.string().optional() }),
      "Saved",
    ),
    ...errorResponses,
  },
});

const runRoute = createRoute({
  method: "post",
  path: "/admin/schedules/{jobType}/run",
  summary: "Run a schedule now: queue its fan-out (targets with a live job are skipped and counted)",
  security: [{ adminToken: [] }],
  request: { params },
  responses: {
    202: json(z.object({ jobType: z.string(), fanOutId: z.string() }), "Queued"),
    ...errorResponses,
  },
});

export function registerScheduleRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const control = scheduleControl(deps);
  app.openapi(listRoute, async (c) => {
    const rows = await control.list();
    return c.json({ items: rows.map(scheduleView), nextCursor: null }, 200);
  });
  app.openapi(putRoute, async (c) => {
    const { jobType } = c.req.valid("param");
    const res = await control.update(jobType, c.req.valid("json"));
    deps.log.info({ jobType, cron: res.schedule.cron, enabled: res.schedule.enabled }, "schedule changed");
    return c.json(
      {
        schedule: scheduleView(res.schedule),
        synced: res.synced,
        ...(res.syncError ? { syncError: res.syncError } : {}),
      },
      200,
    );
  });
  app.openapi(runRoute, async (c) => {
    const { jobType } = c.req.valid("param");
    await control.get(jobType);
    const fanOutId = await control.runNow(jobType, "manual").catch(() => {
      throw ApiError.unavailable("the scheduler queue");
    });
    return c.json({ jobType, fanOutId }, 202);
  });
}
