// GET /v1/events?userId=: Server-Sent Events of job changes and notifications for the organization
// (optionally one user). `event: job|notification|draft|progress`, an `id` per event, a heartbeat every
// 15 s, and replay of what was missed from Last-Event-ID.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { BusEvent } from "../../events/bus.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { errorResponses } from "../schemas.js";

/** @default 15_000 */
export const HEARTBEAT_MS = 15_000;

const eventsRoute = createRoute({
  method: "get",
  path: "/v1/events",
  summary: "Live job and notification events (SSE)",
  description:
    "`event: job` carries `{job}`, `event: notification` carries `{notification}`; content generation adds `event: draft` `{draft: {jobId, platform, variation, text}}` (a platform variation of the streamed AI reply, before the final checks) and `event: progress` `{progress: {jobId, done, total}}`. Reconnect with Last-Event-ID to replay.",
  request: { query: z.object({ userId: z.string().optional() }) },
  responses: {
    200: { description: "text/event-stream", content: { "text/event-stream": { schema: z.string() } } },
    ...errorResponses,
  },
});

/** Redis stream ids are `ms-seq`: compare them as numbers, never as strings ("…-10" < "…-9" as text). */
function streamId(id: string): readonly [bigint, bigint] {
  const [ms, seq] = id.split("-");
  return [BigInt(ms ?? 0), BigInt(seq ?? 0)];
}

function after(a: readonly [bigint, bigint], b: readonly [bigint, bigint]): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

export function registerEventRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: ApiDeps,
  heartbeatMs = HEARTBEAT_MS,
): void {
  app.openapi(eventsRoute, async (c) => {
    const orgId = c.get("orgId");
    const { userId } = c.req.valid("query");
    const lastEventId = c.req.header("last-event-id") ?? c.req.query("lastEventId");
    const wanted = (e: BusEvent) => e.orgId === orgId && (!userId || e.userId === userId);
    return streamSSE(c, async (stream) => {
      const queue: BusEvent[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = deps.events.subscribe((e) => {
        if (!wanted(e)) return;
        queue.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      let lastSent: readonly [bigint, bigint] | null = null;
      const send = async (e: BusEvent) => {
        const id = streamId(e.id);
        if (lastSent && !after(id, lastSent)) return;
        lastSent = id;
        await stream.writeSSE({ event: e.kind, id: e.id, data: JSON.stringify({ [e.kind]: e.data }) });
      };
      try {
        if (lastEventId && /^\d+-\d+$/.test(lastEventId)) {
          for (const e of await deps.events.since(lastEventId)) if (wanted(e)) await send(e);
        }
        await stream.write(": connected\n\n");
        while (!stream.aborted) {
          while (queue.length) await send(queue.shift()!);
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, heartbeatMs);
          });
          clearTimeout(timer);
          wake = null;
          if (!queue.length && !stream.aborted) await stream.write(": heartbeat\n\n");
        }
      } finally {
        unsubscribe();
      }
    });
  });
}
