// Operator events (a circuit breaker opened or closed) ride the notifications outbox, so the webhook
// sender delivers each once, signed and retried, like any notification. They belong to the `_system`
// organization (created on first use; it has no API key, so no tenant can read it).
import type { Db } from "../client.js";
import { organizations } from "../schema.js";
import { insertNotification } from "./notifications.js";

export const SYSTEM_ORG_ID = "_system";

export interface OperatorEvent {
  /** e.g. `breaker.opened`: the webhook body's `event`. */
  kind: string;
  title: string;
  message: string;
  data: Record<string, unknown>;
}

export async function insertOperatorEvent(db: Db, event: OperatorEvent): Promise<void> {
  await db
    .insert(organizations)
    .values({ id: SYSTEM_ORG_ID, name: "operator events" })
    .onConflictDoNothing({ target: organizations.id });
  await insertNotification(db, { orgId: SYSTEM_ORG_ID, userId: "operator", ...event });
}
