// The public shape of a notification (API responses, the event stream, webhooks). Kept apart from the
// /v1/notifications route so the relay's notifier and webhook sender do not load the OpenAPI schemas.
import type { NotificationRow } from "../../db/queries/notifications.js";

export function notificationView(n: NotificationRow) {
  return {
    id: n.id,
    userId: n.userId,
    kind: n.kind,
    title: n.title,
    message: n.message,
    jobId: n.jobId,
    data: n.data ?? null,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt ? n.readAt.toISOString() : null,
  };
}
