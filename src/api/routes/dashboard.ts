// GET /admin/queues: bull-board over every job type's queue, read-only (its retry/remove buttons would
// bypass Postgres, the source of truth; those go through the API and the CLI). ADMIN_TOKEN guards /admin.
// Built on the first request, so no BullMQ queue object is created before the Redis client is ready.
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serveStatic } from "@hono/node-server/serve-static";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import type { Queues } from "../../queue/queues.js";
import type { ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";

export const DASHBOARD_PATH = "/admin/queues";

function buildBoard(queues: Queues): Hono {
  const adapter = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: queues.all().map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: "flywheel-workers" } },
  });
  adapter.setBasePath(DASHBOARD_PATH);
  return new Hono().route(DASHBOARD_PATH, adapter.registerPlugin());
}

export function registerDashboardRoutes(app: OpenAPIHono<ApiEnv>, queues: Queues): void {
  let board: Hono | null = null;
  // Belt and braces over readOnlyMode: nothing but reads reaches the board.
  const readOnly = async (c: Context, next: () => Promise<void>) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD")
      throw new ApiError(403, "read_only", "the queue dashboard is read-only; use the API or the CLI");
    await next();
  };
  app.use(DASHBOARD_PATH, readOnly);
  app.use(`${DASHBOARD_PATH}/*`, readOnly);
  const serve = async (c: Context) => {
    board ??= buildBoard(queues);
    const res = await board.fetch(c.req.raw);
    if (!res.headers.get("content-type")?.includes("text/html")) return res;
    // The page links Google Fonts; operators' browsers load nothing from third parties (system fonts).
    const html = (await res.text()).replace(/<link[^>]+href="https:\/\/[^"]*"[^>]*>/g, "");
    return c.html(html, res.status as 200);
  };
  app.get(DASHBOARD_PATH, serve);
  app.get(`${DASHBOARD_PATH}/*`, serve);
}
