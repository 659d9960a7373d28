// /admin/breakers: the circuit breakers per dependency (src/flow/provider-flow.ts), shared by every relay.
// GET lists each with its state, recent failures and next probe; POST …/close forces one closed (its
// failures forgotten) and wakes the jobs waiting on it.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { Breakers } from "../../flow/breakers.js";
import { Waiting } from "../../flow/waiting.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, json } from "../schemas.js";

const BreakerSchema = z
  .object({
    dependency: z.string().openapi({ example: "openai" }),
    state: z.enum(["closed", "open", "half_open"]),
    failures: z.number().int().openapi({ description: "Transient failures within BREAKER_WINDOW_MS" }),
    cooldownMs: z.number().int(),
    openedAt: z.string().nullable(),
    nextProbeAt: z
      .string()
      .nullable()
      .openapi({ description: "When a probe job may run (open), or its deadline (half_open)" }),
    lastFailureAt: z.string().nullable(),
  })
  .openapi("Breaker");

const listRoute = createRoute({
  method: "get",
  path: "/admin/breakers",
  summary: "Circuit breakers per dependency",
  security: [{ adminToken: [] }],
  responses: { 200: json(z.object({ items: z.array(BreakerSchema) }), "The breakers"), ...errorResponses },
});

const closeRoute = createRoute({
  method: "post",
  path: "/admin/breakers/{dependency}/close",
  summary: "Force a breaker closed; the jobs waiting on it are woken",
  security: [{ adminToken: [] }],
  request: { params: z.object({ dependency: z.string().min(1).max(300) }) },
  responses: {
    200: json(z.object({ breaker: BreakerSchema, woken: z.number().int() }), "Closed"),
    ...errorResponses,
  },
});

export function registerBreakerRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: Pick<ApiDeps, "db" | "log" | "redis" | "queues" | "config">,
): void {
  const breakers = new Breakers(deps.redis, deps.queues.prefix, deps.config.BREAKER_WINDOW_MS);
  const waiting = new Waiting({
    db: deps.db,
    redis: deps.redis,
    prefix: deps.queues.prefix,
    queues: deps.queues,
  });
  app.openapi(listRoute, async (c) => c.json({ items: await breakers.list() }, 200));
  app.openapi(closeRoute, async (c) => {
    const { dependency } = c.req.valid("param");
    const known = (await breakers.list()).some((b) => b.dependency === dependency);
    if (!known) throw ApiError.notFound("breaker");
    const wasOpen = await breakers.close(dependency);
    const woken = await waiting.wake("breaker", dependency);
    deps.log.warn({ dependency, wasOpen, woken }, "circuit breaker closed by hand");
    return c.json({ breaker: await breakers.state(dependency), woken }, 200);
  });
}
