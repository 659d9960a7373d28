// /v1/notifications: a user's notifications (permanent failures, unhealthy sources, accounts to re-authorize).
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { listNotifications, markRead } from "../../../db/queries/notifications.js";
import { notificationView } from "../../notifier/view.js";
import { decodeCursor, page } from "../cursor.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, json, LimitSchema, listOf } from "../schemas.js";

const NotificationSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    kind: z.string(),
    title: z.string(),
    message: z.string(),
    jobId: z.string().nullable(),
    data: z.unknown(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi("Notification");

const listRoute = createRoute({
  method: "get",
  path: "/v1/notifications",
  summary: "List notifications, newest first",
  request: {
    query: z.object({
      userId: z.string().optional(),
      unread: z.enum(["true", "false"]).optional(),
      limit: LimitSchema,
      cursor: z.string().optional(),
    }),
  },
  responses: {
    200: json(listOf(NotificationSchema, "NotificationList"), "A page of notifications"),
    ...errorResponses,
  },
});

const readRoute = createRoute({
  method: "post",
  path: "/v1/notifications/{id}/read",
  summary: "Mark a notification read",
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: json(z.object({ notification: NotificationSchema }), "Marked read"), ...errorResponses },
});

export function registerNotificationRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(listRoute, async (c) => {
    const f = c.req.valid("query");
    const rows = await listNotifications(deps.db, {
      orgId: c.get("orgId"),
      userId: f.userId,
      unread: f.unread === "true",
      limit: f.limit + 1,
      cursor: decodeCursor(f.cursor),
    });
    return c.json(page(rows, f.limit, notificationView), 200);
  });
  app.openapi(readRoute, async (c) => {
    const row = await markRead(deps.db, c.get("orgId"), c.req.valid("param").id);
    if (!row) throw ApiError.notFound("notification");
    return c.json({ notification: notificationView(row) }, 200);
  });
}
