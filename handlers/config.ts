// Handler configuration, parsed from the runtime's env per request on workerd and once at start on
// Node (src/config.ts extends it). Defaults live here and in the README's configuration table.
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

export const handlerConfigShape = {
  /** Base URL the relay calls handlers at; signatures are verified against `${HANDLERS_URL}/${type}`. */
  HANDLERS_URL: z.url().optional(),
  QSTASH_CURRENT_SIGNING_KEY: z.string().min(1).optional(),
  QSTASH_NEXT_SIGNING_KEY: z.string().min(1).optional(),
  OPENAI_API_KEY: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
  OPENAI_BASE_URL: z.url().default("https://api.openai.com/v1"),
  OPENAI_MODEL: z.string().min(1).default("gpt-4o-mini"),
  /** Deadline of one AI call in ms (a job makes at most three, inside its 5-minute timeout). @default 60_000 */
  OPENAI_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** Estimated price of 1M prompt tokens in USD, for per-job cost. @default 0.15 (gpt-4o-mini) */
  OPENAI_INPUT_USD_PER_MTOK: z.coerce.number().nonnegative().default(0.15),
  /** Estimated price of 1M completion tokens in USD. @default 0.6 (gpt-4o-mini) */
  OPENAI_OUTPUT_USD_PER_MTOK: z.coerce.number().nonnegative().default(0.6),
  /**
   * Per-model prices in USD per 1M tokens, `model=input/output` comma-separated (e.g. `gpt-4o=2.5/10`); a reply's
   * model matches the longest listed prefix, else the two OPENAI_*_USD_PER_MTOK prices apply. @default none
   */
  AI_MODEL_PRICES: z
    .string()
    .regex(
      /^\s*$|^\s*[^=,\s]+\s*=\s*[\d.]+\s*\/\s*[\d.]+\s*(,\s*[^=,\s]+\s*=\s*[\d.]+\s*\/\s*[\d.]+\s*)*$/,
      "must be model=input/output[,model=input/output...] (USD per 1M tokens)",
    )
    .default(""),
  /** Upper bound of completion tokens per AI call (sent as `max_tokens`; the budget reserves it). @default 4096 */
  OPENAI_MAX_TOKENS: z.coerce.number().int().positive().default(4096),
  /** Stream the structured call (live drafts over SSE); a provider answering plain JSON still works. @default true */
  OPENAI_STREAM: z
    .enum(["true", "false", "1", "0", ""])
    .default("true")
    .transform((v) => v !== "false" && v !== "0"),
  /** At an organization's hard AI budget: `offline` composer, `fail` the job (422), or `model` (the fallback). */
  AI_BUDGET_EXCEEDED: z.enum(["offline", "fail", "model"]).default("offline"),
  /** The cheaper model used when AI_BUDGET_EXCEEDED=model (unset then: the offline composer). */
  AI_BUDGET_FALLBACK_MODEL: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional()),
  X_API_BASE_URL: z.url().default("https://api.x.com"),
  LINKEDIN_API_BASE_URL: z.url().default("https://api.linkedin.com"),
  FACEBOOK_GRAPH_BASE_URL: z.url().default("https://graph.facebook.com"),
  INSTAGRAM_GRAPH_BASE_URL: z.url().default("https://graph.facebook.com"),
  /** LinkedIn's OAuth host (token refresh at `/oauth/v2/accessToken`); the REST API is LINKEDIN_API_BASE_URL. */
  LINKEDIN_OAUTH_BASE_URL: z.url().default("https://www.linkedin.com"),
  /** `LinkedIn-Version` header (YYYYMM) sent to LinkedIn's versioned REST API. */
  LINKEDIN_API_VERSION: z
    .string()
    .regex(/^\d{6}$/)
    .default("202505"),
  /** Graph API version path segment for Facebook and Instagram calls. */
  GRAPH_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/)
    .default("v21.0"),
  X_CLIENT_ID: z.string().optional(),
  X_CLIENT_SECRET: z.string().optional(),
  LINKEDIN_CLIENT_ID: z.string().optional(),
  LINKEDIN_CLIENT_SECRET: z.string().optional(),
  FACEBOOK_APP_ID: z.string().optional(),
  FACEBOOK_APP_SECRET: z.string().optional(),
  /** `kid:base64key,...` (32-byte keys): the first encrypts, all decrypt. */
  TOKEN_ENCRYPTION_KEYS: z.string().optional(),
  /** Allow scraping private and loopback addresses. For tests only; never in production. */
  SCRAPER_ALLOW_PRIVATE_NETWORKS: bool,
  SCRAPER_USER_AGENT: z.string().default("FlywheelBot/1.0 (+https://github.com/flywheel-workers)"),
  /** Maximum body size in bytes, after decompression. @default 5 MB */
  SCRAPER_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  /** Total deadline of one fetch in ms. @default 30_000 */
  SCRAPER_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Idle (no bytes) timeout of one fetch in ms. @default 10_000 */
  SCRAPER_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Pages one scrape of a `site` source fetches at most (new and recently modified first). @default 25 */
  SCRAPER_MAX_PAGES: z.coerce.number().int().positive().max(1000).default(25),
  /** Postgres connection string. On Workers: Neon's (the serverless driver). On Node: see src/config.ts. */
  DATABASE_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
      .optional(),
  ),
  /** Prefix of every Redis key this deployment writes (shared by the service and the Workers handlers). @default "fw" */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only")
    .default("fw"),
  /** Upstash Redis REST endpoint (Workers handlers only; the Node service uses REDIS_URL). */
  UPSTASH_REDIS_REST_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
  /** Upstash Redis REST token (a secret; Workers handlers only). */
  UPSTASH_REDIS_REST_TOKEN: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
  /**
   * Neon driver: WebSocket proxy `host[:port]/path` for a non-Neon Postgres (tests, self-hosted; the driver
   * appends `?address=host:port`). Unset for Neon itself.
   */
  NEON_WS_PROXY: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
  /** Neon driver: plain ws:// to NEON_WS_PROXY instead of wss:// (local proxies in tests only). @default false */
  NEON_INSECURE_WEBSOCKET: bool,
  /** Neon driver: pipeline startup+auth+first query ("password", Neon's default) or not ("false", for other auth). */
  NEON_PIPELINE_CONNECT: z.enum(["password", "false"]).default("password"),
};

export const handlerConfigSchema = z.object(handlerConfigShape);
export type HandlerConfig = Readonly<z.output<typeof handlerConfigSchema>>;

/** A config error naming every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export function formatConfigIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

export function parseHandlerConfig(env: Record<string, unknown>): HandlerConfig {
  const parsed = handlerConfigSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${formatConfigIssues(parsed.error)}`);
  return Object.freeze(parsed.data);
}
