// The API's one validation hook (every route's query, params and body): zod issues and strings Postgres
// cannot store (NUL, unpaired surrogates: handlers/kit/storable.ts) → 400 `invalid_request` naming each
// field, so no route can pass such a value on to a query.
import type { OpenAPIHonoOptions } from "@hono/zod-openapi";
import { unstorableFields } from "../../handlers/kit/storable.js";
import { zodFields } from "../../handlers/kit/validation.js";
import type { ApiEnv } from "./deps.js";
import { ApiError } from "./errors.js";

export const validationHook: NonNullable<OpenAPIHonoOptions<ApiEnv>["defaultHook"]> = (result) => {
  // A failed parse still carries the raw input as `data` (zod-validator spreads it in), so both kinds of
  // issue are named at once.
  const input = "data" in result ? result.data : undefined;
  const fields = [...(result.success ? [] : zodFields(result.error)), ...unstorableFields(input)];
  if (fields.length) throw ApiError.invalid(fields);
};
