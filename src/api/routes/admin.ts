// /admin: operator routes behind ADMIN_TOKEN: create organizations (with their first API key), revoke keys.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { createApiKey, createOrg, revokeApiKey } from "../../../db/queries/orgs.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { errorResponses, json } from "../schemas.js";

const OrgSchema = z
  .object({ id: z.string(), name: z.string(), createdAt: z.string() })
  .openapi("Organization");

const createOrgRoute = createRoute({
  method: "post",
  path: "/admin/orgs",
  summary: "Create an organization and its first API key (shown once)",
  security: [{ adminToken: [] }],
  request: {
    body: {
      content: { "application/json": { schema: z.object({ name: z.string().min(1).max(200) }) } },
      required: true,
    },
  },
  responses: {
    201: json(z.object({ org: OrgSchema, apiKey: z.string(), apiKeyId: z.string() }), "Created"),
    ...errorResponses,
  },
});

const createKeyRoute = createRoute({
  method: "post",
  path: "/admin/orgs/{id}/api-keys",
  summary: "Create another API key for an organization (shown once)",
  security: [{ adminToken: [] }],
  request: {
    params: z.object({ id: z.string() }),
    body: { content: { "application/json": { schema: z.object({ name: z.string().max(200).optional() }) } } },
  },
  responses: {
    201: json(z.object({ apiKey: z.string(), apiKeyId: z.string() }), "Created"),
    ...errorResponses,
  },
});

const revokeRoute = createRoute({
  method: "delete",
  path: "/admin/api-keys/{id}",
  summary: "Revoke an API key",
  security: [{ adminToken: [] }],
  request: { params: z.object({ id: z.string() }) },
  responses: {
    200: json(z.object({ revoked: z.literal(true), id: z.string() }), "Revoked"),
    ...errorResponses,
  },
});

export function registerAdminRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps, onRevoke: () => void): void {
  app.openapi(createOrgRoute, async (c) => {
    const { org, apiKey, apiKeyId } = await createOrg(deps.db, c.req.valid("json").name);
    deps.log.info({ orgId: org.id, apiKeyId }, "organization created");
    return c.json(
      { org: { id: org.id, name: org.name, createdAt: org.createdAt.toISOString() }, apiKey, apiKeyId },
      201,
    );
  });
  app.openapi(createKeyRoute, async (c) => {
    const body = c.req.valid("json");
    try {
      const key = await createApiKey(deps.db, c.req.valid("param").id, body?.name);
      return c.json({ apiKey: key.apiKey, apiKeyId: key.id }, 201);
    } catch {
      throw ApiError.notFound("organization");
    }
  });
  app.openapi(revokeRoute, async (c) => {
    const id = c.req.valid("param").id;
    if (!(await revokeApiKey(deps.db, id))) throw ApiError.notFound("API key");
    onRevoke();
    deps.log.info({ apiKeyId: id }, "API key revoked");
    return c.json({ revoked: true as const, id }, 200);
  });
}
