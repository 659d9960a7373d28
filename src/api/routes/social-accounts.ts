// /v1/social-accounts: connect an account's OAuth tokens for analytics sync. Tokens are encrypted at rest
// (AES-256-GCM, bound to the row) and never returned; PATCH with new tokens makes a needs_reauth account
// active again. Another organization's account answers 404.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { deleteSocialAccount, getSocialAccount, listSocialAccounts } from "../../../db/queries/analytics.js";
import {
  createSocialAccount,
  createTokenCipher,
  publicAccount,
  updateSocialAccount,
} from "../../../handlers/analytics-sync/public.js";
import { PLATFORMS } from "../../../handlers/kit/platforms.js";
import { decodeCursor, page } from "../cursor.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { ErrorSchema, errorResponses, json, LimitSchema, listOf } from "../schemas.js";

export type SocialAccountDeps = Pick<ApiDeps, "db" | "config">;

const Token = z.string().min(1).max(8192);
const PlatformSchema = z.enum(PLATFORMS).openapi({ description: "`twitter` is X" });

export const SocialAccountSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    platform: PlatformSchema,
    externalAccountId: z.string(),
    displayName: z.string().nullable(),
    status: z.enum(["active", "needs_reauth"]),
    expiresAt: z.string().nullable(),
    lastSyncAt: z.string().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("SocialAccount");

const CreateBody = z
  .object({
    userId: z.string().min(1).max(200),
    platform: PlatformSchema,
    externalAccountId: z.string().min(1).max(300).openapi({
      description: "X user id, LinkedIn person or organization URN, Facebook Page id, Instagram user id",
    }),
    accessToken: Token,
    refreshToken: Token.optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    displayName: z.string().max(300).optional(),
  })
  .openapi("CreateSocialAccount");

const PatchBody = z
  .object({
    accessToken: Token.optional(),
    refreshToken: Token.nullable().optional(),
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
    displayName: z.string().max(300).nullable().optional(),
  })
  .openapi("UpdateSocialAccount");

const Envelope = z.object({ socialAccount: SocialAccountSchema });
const Unconfigured = "`token_encryption_unconfigured`: TOKEN_ENCRYPTION_KEYS is not set on this service";
const IdParam = z.object({ id: z.string().min(1) });

const createRoute_ = createRoute({
  method: "post",
  path: "/v1/social-accounts",
  summary: "Connect a social account (tokens are stored encrypted and never returned)",
  request: { body: { content: { "application/json": { schema: CreateBody } }, required: true } },
  responses: {
    201: json(Envelope, "Connected"),
    ...errorResponses,
    409: json(z.object({}), "This account is already connected in the organization"),
    503: json(ErrorSchema, Unconfigured),
  },
});
const listRoute = createRoute({
  method: "get",
  path: "/v1/social-accounts",
  summary: "List connected social accounts, newest first",
  request: {
    query: z.object({
      userId: z.string().optional(),
      platform: PlatformSchema.optional(),
      limit: LimitSchema,
      cursor: z.string().optional(),
    }),
  },
  responses: {
    200: json(listOf(SocialAccountSchema, "SocialAccountList"), "A page of accounts"),
    ...errorResponses,
  },
});
const getRoute = createRoute({
  method: "get",
  path: "/v1/social-accounts/{id}",
  summary: "Get a social account (status, last sync, last error)",
  request: { params: IdParam },
  responses: { 200: json(Envelope, "The account"), ...errorResponses },
});
const patchRoute = createRoute({
  method: "patch",
  path: "/v1/social-accounts/{id}",
  summary: "Update tokens or name; new tokens make a needs_reauth account active again",
  request: {
    params: IdParam,
    body: { content: { "application/json": { schema: PatchBody } }, required: true },
  },
  responses: { 200: json(Envelope, "Updated"), ...errorResponses, 503: json(ErrorSchema, Unconfigured) },
});
const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/social-accounts/{id}",
  summary: "Disconnect an account (its tracked posts and metrics go with it)",
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === "23505") return true;
  }
  return false;
}

export function registerSocialAccountRoutes(app: OpenAPIHono<ApiEnv>, deps: SocialAccountDeps): void {
  app.openapi(createRoute_, async (c) => {
    const body = c.req.valid("json");
    try {
      const row = await createSocialAccount(deps.db, createTokenCipher(deps.config.TOKEN_ENCRYPTION_KEYS), {
        orgId: c.get("orgId"),
        userId: body.userId,
        platform: body.platform,
        externalAccountId: body.externalAccountId,
        accessToken: body.accessToken,
        refreshToken: body.refreshToken ?? null,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        displayName: body.displayName ?? null,
      });
      return c.json({ socialAccount: publicAccount(row) }, 201);
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ApiError(
          409,
          "social_account_exists",
          `${body.platform} account ${body.externalAccountId} is already connected; PATCH it to update its tokens`,
        );
      }
      throw err;
    }
  });

  app.openapi(listRoute, async (c) => {
    const f = c.req.valid("query");
    const rows = await listSocialAccounts(deps.db, {
      orgId: c.get("orgId"),
      userId: f.userId,
      platform: f.platform,
      limit: f.limit + 1,
      cursor: decodeCursor(f.cursor),
    });
    return c.json(page(rows, f.limit, publicAccount), 200);
  });

  app.openapi(getRoute, async (c) => {
    const row = await getSocialAccount(deps.db, c.get("orgId"), c.req.valid("param").id);
    if (!row) throw ApiError.notFound("social account");
    return c.json({ socialAccount: publicAccount(row) }, 200);
  });

  app.openapi(patchRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    if (!(await getSocialAccount(deps.db, c.get("orgId"), id))) throw ApiError.notFound("social account");
    // The user reconnected: new tokens make a needs_reauth account active again, so syncs resume.
    const updated = await updateSocialAccount(
      deps.db,
      createTokenCipher(deps.config.TOKEN_ENCRYPTION_KEYS),
      id,
      {
        accessToken: body.accessToken,
        refreshToken: body.refreshToken,
        expiresAt: body.expiresAt == null ? body.expiresAt : new Date(body.expiresAt),
        displayName: body.displayName,
      },
      { now: new Date(), reconnected: true },
    );
    if (!updated) throw ApiError.notFound("social account");
    return c.json({ socialAccount: publicAccount(updated) }, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    if (!(await deleteSocialAccount(deps.db, c.get("orgId"), c.req.valid("param").id))) {
      throw ApiError.notFound("social account");
    }
    return c.body(null, 204);
  });
}
