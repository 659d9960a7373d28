// The whole Postgres schema (drizzle). Postgres is the source of truth for jobs; Redis holds the queue.
// Migrations are generated from this file with `npm run db:generate` into db/migrations (committed).
import { sql } from "drizzle-orm";
import {
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const organizations = pgTable("organizations", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
});

/** API keys: only a SHA-256 hash and a lookup prefix are stored; the key is shown once. */
export const apiKeys = pgTable("api_keys", {
  id: text("id").primaryKey(),
  orgId: text("org_id")
    .notNull()
    .references(() => organizations.id, { onDelete: "cascade" }),
  prefix: text("prefix").notNull().unique(),
  hash: text("hash").notNull(),
  name: text("name"),
  createdAt: ts("created_at").notNull().defaultNow(),
  revokedAt: ts("revoked_at"),
});

export const JOB_STATUSES = ["queued", "active", "retrying", "completed", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const RUN_OUTCOMES = ["completed", "failed", "retry", "rate_limited", "lost", "cancelled"] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export const jobs = pgTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    status: text("status").$type<JobStatus>().notNull(),
    priority: text("priority").$type<"critical" | "high" | "normal" | "low">().notNull(),
    payload: jsonb("payload").notNull(),
    idempotencyKey: text("idempotency_key"),
    payloadHash: text("payload_hash"),
    dedupKey: text("dedup_key"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    rateLimitedCount: integer("rate_limited_count").notNull().default(0),
    runAt: ts("run_at"),
    nextRunAt: ts("next_run_at"),
    /** A job still waiting (queued, or retrying between attempts) at this time ends failed with `expired`. */
    expiresAt: ts("expires_at"),
    /** Why a queued job waits without running (`paused`, …), on what, and until when if known; null = not waiting. */
    waitingReason: text("waiting_reason"),
    waitingKey: text("waiting_key"),
    waitingUntil: ts("waiting_until"),
    /** When it began waiting since its last attempt (breaker and quota waits give up after BREAKER_MAX_WAIT_MS). */
    waitingSince: ts("waiting_since"),
    result: jsonb("result"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    requestId: text("request_id"),
    cancelRequestedAt: ts("cancel_requested_at"),
    /** Set once the relay ran onFailed and notified the user; a crash before it is caught up on re-delivery. */
    failureHandledAt: ts("failure_handled_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
  },
  (t) => [
    uniqueIndex("jobs_org_idempotency_key")
      .on(t.orgId, t.idempotencyKey)
      .where(sql`idempotency_key is not null`),
    uniqueIndex("jobs_dedup_key_live")
      .on(t.dedupKey)
      .where(sql`dedup_key is not null and status in ('queued', 'active', 'retrying')`),
    index("jobs_org_created").on(t.orgId, t.createdAt),
    index("jobs_live_status")
      .on(t.status, t.updatedAt)
      .where(sql`status in ('queued', 'active', 'retrying')`),
    index("jobs_finished_at").on(t.finishedAt),
  ],
);

export const jobRuns = pgTable(
  "job_runs",
  {
    id: text("id").primaryKey(),
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    startedAt: ts("started_at").notNull(),
    finishedAt: ts("finished_at").notNull(),
    durationMs: integer("duration_ms").notNull(),
    outcome: text("outcome").$type<RunOutcome>().notNull(),
    httpStatus: integer("http_status"),
    errorCode: text("error_code"),
    error: text("error"),
  },
  (t) => [index("job_runs_job").on(t.jobId, t.startedAt)],
);

export const notifications = pgTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    message: text("message").notNull(),
    jobId: text("job_id"),
    data: jsonb("data"),
    createdAt: ts("created_at").notNull().defaultNow(),
    deliveredAt: ts("delivered_at"),
    webhookDeliveredAt: ts("webhook_delivered_at"),
    webhookAttempts: integer("webhook_attempts").notNull().default(0),
    /** When the webhook sender may next try it: now at insert, leased while sent, then after each failure's wait. */
    webhookNextAt: ts("webhook_next_at").defaultNow(),
    readAt: ts("read_at"),
  },
  (t) => [
    index("notifications_user").on(t.orgId, t.userId, t.createdAt),
    index("notifications_undelivered").on(t.createdAt).where(sql`delivered_at is null`),
    index("notifications_webhook_due").on(t.webhookNextAt).where(sql`webhook_delivered_at is null`),
    // One "job failed" per job, even when two relays handle the same failure at once.
    uniqueIndex("notifications_job_failed").on(t.jobId).where(sql`kind = 'job_failed'`),
  ],
);

/** Content library: AI-written posts, one row per (job, platform, variation) so a re-run writes once. */
export const contentItems = pgTable(
  "content_items",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    userId: text("user_id").notNull(),
    jobId: text("job_id").notNull(),
    platform: text("platform").notNull(),
    variation: integer("variation").notNull().default(0),
    text: text("text").notNull(),
    hashtags: jsonb("hashtags").$type<string[]>().notNull().default([]),
    status: text("status").notNull().default("draft"),
    generator: text("generator").notNull(),
    model: text("model"),
    promptTokens: integer("prompt_tokens"),
    completionTokens: integer("completion_tokens"),
    costUsd: doublePrecision("cost_usd"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("content_items_job_platform_variation").on(t.jobId, t.platform, t.variation),
    index("content_items_user").on(t.orgId, t.userId, t.createdAt),
  ],
);

export const contextSources = pgTable(
  "context_sources",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    userId: text("user_id").notNull(),
    kind: text("kind").$type<"website" | "rss">().notNull(),
    url: text("url").notNull(),
    /** Websites only: `page` scrapes the one page at `url`; `site` crawls the site from its sitemaps. */
    scope: text("scope").$type<"page" | "site">().notNull().default("page"),
    name: text("name"),
    enabled: boolean("enabled").notNull().default(true),
    health: text("health").$type<"healthy" | "unhealthy">().notNull().default("healthy"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    lastSuccessAt: ts("last_success_at"),
    lastFailureAt: ts("last_failure_at"),
    lastError: text("last_error"),
    lastItemAt: ts("last_item_at"),
    itemCount: integer("item_count").notNull().default(0),
    etag: text("etag"),
    lastModified: text("last_modified"),
    lastScrapedAt: ts("last_scraped_at"),
    /** Site scope: page URLs the last discovery found (sitemaps and the start page's links). */
    pagesKnown: integer("pages_known").notNull().default(0),
    /** Site scope: pages fetched at least once and not gone. */
    pagesScraped: integer("pages_scraped").notNull().default(0),
    /** Site scope: when the last crawl round ended. */
    lastCrawlAt: ts("last_crawl_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [index("context_sources_user").on(t.orgId, t.userId)],
);

/** The pages of a `site` source: the crawl's persisted state (what was fetched, its validators, gone pages). */
export const sitePages = pgTable(
  "site_pages",
  {
    sourceId: text("source_id")
      .notNull()
      .references(() => contextSources.id, { onDelete: "cascade" }),
    /** The page URL as discovered (sitemap `loc` or link), without fragment. */
    url: text("url").notNull(),
    /** How it was found: `start` (the source URL), `sitemap` or `link` (from the start page). */
    via: text("via").$type<"start" | "sitemap" | "link">().notNull(),
    /** The sitemap `lastmod` of the stored fetch (a newer one in the sitemap means re-fetch first). */
    fetchedLastmod: ts("fetched_lastmod"),
    /** The context item this page fills (its canonical URL). */
    itemKey: text("item_key"),
    etag: text("etag"),
    lastModified: text("last_modified"),
    fetchedAt: ts("fetched_at"),
    /** Set when the page left the site (not in the sitemaps or links any more, or 404/410); cleared when back. */
    goneAt: ts("gone_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sourceId, t.url] })],
);

export const contextItems = pgTable(
  "context_items",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    userId: text("user_id").notNull(),
    sourceId: text("source_id")
      .notNull()
      .references(() => contextSources.id, { onDelete: "cascade" }),
    itemKey: text("item_key").notNull(),
    url: text("url"),
    title: text("title"),
    description: text("description"),
    text: text("text").notNull(),
    publishedAt: ts("published_at"),
    /** BCP 47 tag from `<html lang>` or `og:locale`, when the page declares one. */
    language: text("language"),
    /** Set when the page left its site: kept, but not listed or used as context. */
    goneAt: ts("gone_at"),
    contentHash: text("content_hash").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
    search: tsvector("search").generatedAlwaysAs(
      sql`to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || text)`,
    ),
  },
  (t) => [
    uniqueIndex("context_items_source_key").on(t.sourceId, t.itemKey),
    index("context_items_user").on(t.orgId, t.userId, t.createdAt),
    index("context_items_search").using("gin", t.search),
  ],
);

/** Social accounts: tokens are AES-256-GCM ciphertexts bound to the row id; never returned or logged. */
export const socialAccounts = pgTable(
  "social_accounts",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    userId: text("user_id").notNull(),
    platform: text("platform").notNull(),
    externalAccountId: text("external_account_id").notNull(),
    displayName: text("display_name"),
    accessTokenEnc: text("access_token_enc").notNull(),
    refreshTokenEnc: text("refresh_token_enc"),
    expiresAt: ts("expires_at"),
    status: text("status").$type<"active" | "needs_reauth">().notNull().default("active"),
    lastSyncAt: ts("last_sync_at"),
    lastError: text("last_error"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("social_accounts_external").on(t.orgId, t.platform, t.externalAccountId),
    index("social_accounts_user").on(t.orgId, t.userId),
  ],
);

export const posts = pgTable(
  "posts",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    userId: text("user_id").notNull(),
    socialAccountId: text("social_account_id")
      .notNull()
      .references(() => socialAccounts.id, { onDelete: "cascade" }),
    platform: text("platform").notNull(),
    externalPostId: text("external_post_id").notNull(),
    contentItemId: text("content_item_id"),
    text: text("text"),
    publishedAt: ts("published_at").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("posts_account_external").on(t.socialAccountId, t.externalPostId),
    index("posts_user").on(t.orgId, t.userId),
  ],
);

/** One snapshot per post per sync job (unique on post + job, so a re-delivered job writes once). */
export const postMetrics = pgTable(
  "post_metrics",
  {
    id: text("id").primaryKey(),
    postId: text("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    jobId: text("job_id").notNull(),
    capturedAt: ts("captured_at").notNull(),
    likes: integer("likes").notNull().default(0),
    comments: integer("comments").notNull().default(0),
    shares: integer("shares").notNull().default(0),
    impressions: integer("impressions").notNull().default(0),
    clicks: integer("clicks"),
    saves: integer("saves"),
    engagementRate: doublePrecision("engagement_rate"),
  },
  (t) => [
    uniqueIndex("post_metrics_post_job").on(t.postId, t.jobId),
    index("post_metrics_post").on(t.postId, t.capturedAt),
  ],
);

/** Brand brain: one row of computed insights per user. */
export const insights = pgTable(
  "insights",
  {
    orgId: text("org_id").notNull(),
    userId: text("user_id").notNull(),
    data: jsonb("data").notNull(),
    computedAt: ts("computed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] })],
);

/**
 * A schedule as the table and the driver last agreed on it (the base of the three-way reconcile).
 * `scheduleId` null: agreed absent (the table disables it and the driver holds none).
 */
export interface AgreedSchedule {
  scheduleId: string | null;
  cron: string;
  timezone: string;
  paused: boolean;
  destination: string;
}

/** A console change the reconcile saw and has not settled yet, and when it first saw it (ISO time). */
export interface SeenConsoleChange {
  state: AgreedSchedule;
  at: string;
}

/** One row per scheduled job type; the driver (BullMQ or QStash) and this table are reconciled both ways. */
export const schedules = pgTable("schedules", {
  jobType: text("job_type").primaryKey(),
  cron: text("cron").notNull(),
  timezone: text("timezone").notNull().default("UTC"),
  enabled: boolean("enabled").notNull().default(true),
  lastRunAt: ts("last_run_at"),
  nextRunAt: ts("next_run_at"),
  lastSkippedAt: ts("last_skipped_at"),
  skippedCount: integer("skipped_count").notNull().default(0),
  /** Jobs of this schedule that expired (waited past the next run) instead of running. */
  expiredCount: integer("expired_count").notNull().default(0),
  lastEnqueuedCount: integer("last_enqueued_count").notNull().default(0),
  updatedAt: ts("updated_at").notNull().defaultNow(),
  /** Where the cron/enabled values came from: `default` (seeded), `api` (admin API, CLI), `console` (QStash). */
  source: text("source").$type<"default" | "api" | "console">().notNull().default("default"),
  lastSyncedAt: ts("last_synced_at"),
  /** Why the last sync could not be done as asked (a refused console change, an unreachable driver). */
  syncError: text("sync_error"),
  agreed: jsonb("agreed").$type<AgreedSchedule>(),
  consoleSeen: jsonb("console_seen").$type<SeenConsoleChange>(),
});

/** Per-organization limits; null = the default. Flow control reads the first three, content generation the budgets. */
export const orgLimits = pgTable("org_limits", {
  orgId: text("org_id")
    .primaryKey()
    .references(() => organizations.id, { onDelete: "cascade" }),
  maxActive: integer("max_active"),
  enqueuePerMinute: integer("enqueue_per_minute"),
  hard: boolean("hard"),
  /** Monthly AI spend (UTC month) past which calls are refused (AI_BUDGET_EXCEEDED decides what then). */
  aiBudgetUsd: numeric("ai_budget_usd", { mode: "number" }),
  /** Monthly AI spend at which the organization is told once. */
  aiSoftBudgetUsd: numeric("ai_soft_budget_usd", { mode: "number" }),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

/** One row per organization and UTC month: settled spend plus reservations of AI calls in flight. */
export const aiBudgetSpend = pgTable(
  "ai_budget_spend",
  {
    orgId: text("org_id").notNull(),
    month: text("month").notNull(),
    spentUsd: doublePrecision("spent_usd").notNull().default(0),
    reservedUsd: doublePrecision("reserved_usd").notNull().default(0),
    softNotifiedAt: ts("soft_notified_at"),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.month] })],
);

/** Every AI reply, kept as soon as it returns, so a later attempt of the job reuses what was paid for. */
export const aiCheckpoints = pgTable(
  "ai_checkpoints",
  {
    jobId: text("job_id").notNull(),
    requestKey: text("request_key").notNull(),
    reply: jsonb("reply").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.requestKey] }), index("ai_checkpoints_created").on(t.createdAt)],
);

/** One row per AI call (including discarded and failed ones): tokens and estimated cost. */
export const aiUsage = pgTable(
  "ai_usage",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    userId: text("user_id").notNull(),
    jobId: text("job_id").notNull(),
    requestKey: text("request_key").notNull(),
    model: text("model").notNull(),
    /** "ok" (a reply came back), or "failed" (the call errored; tokens as reported, usually 0). */
    outcome: text("outcome").$type<"ok" | "failed">().notNull(),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    costUsd: doublePrecision("cost_usd").notNull().default(0),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("ai_usage_org_created").on(t.orgId, t.createdAt),
    index("ai_usage_org_user_created").on(t.orgId, t.userId, t.createdAt),
  ],
);

/** Earlier texts of a content item: a regenerate job adds the new one and keeps the ones before. */
export const contentVersions = pgTable(
  "content_versions",
  {
    id: text("id").primaryKey(),
    contentItemId: text("content_item_id")
      .notNull()
      .references(() => contentItems.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    jobId: text("job_id").notNull(),
    text: text("text").notNull(),
    hashtags: jsonb("hashtags").$type<string[]>().notNull().default([]),
    generator: text("generator").notNull(),
    model: text("model"),
    instructions: text("instructions"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("content_versions_item_version").on(t.contentItemId, t.version),
    uniqueIndex("content_versions_item_job").on(t.contentItemId, t.jobId),
  ],
);

/** Live job events from handlers (drafts, progress): an outbox the notifier publishes to SSE, then deletes. */
export const liveEvents = pgTable(
  "live_events",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    userId: text("user_id").notNull(),
    jobId: text("job_id").notNull(),
    kind: text("kind").$type<"draft" | "progress">().notNull(),
    data: jsonb("data").notNull(),
    seq: integer("seq").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [index("live_events_created").on(t.createdAt, t.seq)],
);

/** Operator pauses: jobs of a type, of an organization, or of a type within an organization wait (reason `paused`). */
export const pauses = pgTable("pauses", {
  id: text("id").primaryKey(),
  /** null = every type. */
  type: text("type"),
  /** null = every organization. */
  orgId: text("org_id").references(() => organizations.id, { onDelete: "cascade" }),
  note: text("note"),
  createdAt: ts("created_at").notNull().defaultNow(),
});
