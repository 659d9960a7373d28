// Service configuration: handlers/config.ts extended with the Node service's own keys, parsed once at
// start with zod and frozen. A bad value stops the start naming every bad variable. Defaults are in the
// README's table.
import { z } from "zod";
import { ConfigError, formatConfigIssues, handlerConfigShape } from "../handlers/config.js";

const PRIORITIES = ["critical", "high", "normal", "low"] as const;
const delays = z
  .string()
  .regex(/^\d+(,\d+)*$/, "a comma-separated list of milliseconds, e.g. 60000,300000,900000")
  .transform((s) => s.split(",").map(Number));
const perTypeConcurrency = z
  .string()
  .regex(/^([a-z0-9-]+=\d+)(,[a-z0-9-]+=\d+)*$/, "type=N pairs, e.g. scrape=20,content-generation=10")
  .transform((s) =>
    Object.fromEntries(
      s
        .split(",")
        .map((p) => p.split("="))
        .map(([k, v]) => [k!, Number(v)]),
    ),
  );
const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);

export const configSchema = z.object({
  ...handlerConfigShape,
  NODE_ENV: z.string().default("development"),
  ROLE: z.enum(["all", "api", "relay", "handlers"]).default("all"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  PUBLIC_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  DATA_DIR: z.string().default(".data"),
  REDIS_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
      .optional(),
  ),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only")
    .default("fw"),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
      .optional(),
  ),
  DATABASE_POOL_MAX: z.coerce.number().int().positive().default(20),
  ADMIN_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, "at least 16 characters").optional()),
  RELAY_CONCURRENCY: z.coerce.number().int().positive().default(100),
  RELAY_TYPE_CONCURRENCY: z.preprocess(emptyToUndefined, perTypeConcurrency.optional()),
  ORG_MAX_ACTIVE: z.coerce.number().int().nonnegative().default(50),
  SCRAPER_HOST_CONCURRENCY: z.coerce.number().int().positive().default(2),
  /** Transient failures of one dependency within BREAKER_WINDOW_MS (all relays) that open its breaker. */
  BREAKER_FAILURES: z.coerce.number().int().positive().default(5),
  BREAKER_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
  /** First cool-down before a probe; doubles on each failed probe up to BREAKER_MAX_COOLDOWN_MS. */
  BREAKER_COOLDOWN_MS: z.coerce.number().int().positive().default(30_000),
  BREAKER_MAX_COOLDOWN_MS: z.coerce.number().int().positive().default(600_000),
  /** A job waiting on a breaker or a quota longer than this fails with `dependency_unavailable`. */
  BREAKER_MAX_WAIT_MS: z.coerce.number().int().positive().default(86_400_000),
  RETRY_DELAYS_MS: delays.default([60_000, 300_000, 900_000]),
  RATE_LIMIT_MAX_WAITS: z.coerce.number().int().positive().default(20),
  RATE_LIMIT_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 3600 * 1000),
  ENQUEUE_RATE_LIMIT: z.coerce.number().int().nonnegative().default(600),
  JOB_RETENTION_DAYS: z.coerce.number().positive().default(30),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().nonnegative().default(30_000),
  LOCK_DURATION_MS: z.coerce.number().int().positive().default(30_000),
  STALLED_INTERVAL_MS: z.coerce.number().int().positive().default(15_000),
  STALLED_IDLE_INTERVAL_MS: z.coerce.number().int().positive().default(600_000),
  DRAIN_DELAY_S: z.coerce.number().int().positive().default(300),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  DEFAULT_PRIORITY: z.enum(PRIORITIES).default("normal"),
  SCHEDULER: z.enum(["bullmq", "qstash"]).default("bullmq"),
  /** How often the relay reconciles the schedules table with the driver (QStash: one list call). */
  SCHEDULE_RECONCILE_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  QSTASH_URL: z.url().default("https://qstash.upstash.io"),
  QSTASH_TOKEN: z.preprocess(emptyToUndefined, z.string().optional()),
  METRICS_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16).optional()),
  NOTIFY_WEBHOOK_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  NOTIFY_WEBHOOK_SECRET: z.preprocess(emptyToUndefined, z.string().min(16).optional()),
  /** Waits between webhook attempts (ms); attempts = 1 + their number. */
  NOTIFY_WEBHOOK_RETRY_DELAYS_MS: delays.default([
    2_000, 10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000,
  ]),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(emptyToUndefined, z.url().optional()),
});

export type Config = Readonly<z.output<typeof configSchema>>;
export type Priority = (typeof PRIORITIES)[number];
export { PRIORITIES };

export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${formatConfigIssues(parsed.error)}`);
  return Object.freeze(parsed.data);
}
