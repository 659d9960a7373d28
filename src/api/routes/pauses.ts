// /admin/pauses: pause and resume a job type, an organization, or a type within an organization. Paused
// jobs wait (`waitingOn: {reason: "paused"}`), enqueues are still accepted, active jobs finish; removing
// the pause wakes its jobs on every relay (src/flow/pauses.ts).
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { orgExists } from "../../../db/queries/orgs.js";
import { deletePause, insertPause, listPauses } from "../../../db/queries/pauses.js";
import { newId } from "../../../handlers/kit/ids.js";
import { pausesChannel, pauseView } from "../../flow/pauses.js";
import { UnknownJobType } from "../../lifecycle/errors.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, json } from "../schemas.js";

const PauseInput = z
  .object({
    type: z.string().min(1).max(63).optional().openapi({ description: "A job type; absent: every type" }),
    orgId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "An organization; absent: every one" }),
    note: z.string().max(500).optional(),
  })
  .strict()
  .openapi("PauseInput");

const PauseSchema = z
  .object({
    id: z.string(),
    type: z.string().nullable(),
    orgId: z.string().nullable(),
    key: z.string(),
    note: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Pause");

const createPauseRoute = createRoute({
  method: "post",
  path: "/admin/pauses",
  summary: "Pause a job type, an organization, or a type within an organization",
  security: [{ adminToken: [] }],
  request: { body: { content: { "application/json": { schema: PauseInput } }, required: true } },
  responses: { 201: json(z.object({ pause: PauseSchema }), "Paused"), ...errorResponses },
});

const listPausesRoute = createRoute({
  method: "get",
  path: "/admin/pauses",
  summary: "Pauses in force",
  security: [{ adminToken: [] }],
  responses: { 200: json(z.object({ items: z.array(PauseSchema) }), "The pauses"), ...errorResponses },
});

const deletePauseRoute = createRoute({
  method: "delete",
  path: "/admin/pauses/{id}",
  summary: "Resume: remove a pause; its waiting jobs are woken",
  security: [{ adminToken: [] }],
  request: { params: z.object({ id: z.string().min(1) }) },
  responses: { 200: json(z.object({ pause: PauseSchema }), "Removed"), ...errorResponses },
});

export function registerPauseRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: Pick<ApiDeps, "db" | "log" | "redis" | "catalog" | "queues">,
): void {
  const changed = () => deps.redis.publish(pausesChannel(deps.queues.prefix), "changed");
  app.openapi(createPauseRoute, async (c) => {
    const body = c.req.valid("json");
    if (body.type && !deps.catalog.get(body.type)) throw new UnknownJobType(body.type, deps.catalog.types());
    if (body.orgId && !(await orgExists(deps.db, body.orgId))) throw ApiError.notFound("organization");
    const pause = await insertPause(deps.db, {
      id: newId("pause"),
      type: body.type ?? null,
      orgId: body.orgId ?? null,
      note: body.note ?? null,
    });
    await changed();
    deps.log.warn({ pause: pauseView(pause) }, "paused");
    return c.json({ pause: pauseView(pause) }, 201);
  });
  app.openapi(listPausesRoute, async (c) =>
    c.json({ items: (await listPauses(deps.db)).map(pauseView) }, 200),
  );
  app.openapi(deletePauseRoute, async (c) => {
    const pause = await deletePause(deps.db, c.req.valid("param").id);
    if (!pause) throw ApiError.notFound("pause");
    await changed();
    deps.log.warn({ pause: pauseView(pause) }, "resumed");
    return c.json({ pause: pauseView(pause) }, 200);
  });
}
