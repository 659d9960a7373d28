// Job type `analytics-sync`: POST /analytics-sync, payload {socialAccountId}, timeout 3 min, one job per
// account. Answers 200 {posts, snapshots, …} (or {skipped: "needs_reauth"}), 429 + Retry-After on a platform
// or shared rate limit, 503 when the platform is down, 422 `account_needs_reauth` when tokens are dead.
// Idempotent: snapshots are unique per (post, job), insights are recomputed from scratch.
import { z } from "zod";
import { defineJobType } from "../kit/define.js";
import { analyticsNeeds } from "./needs.js";
import { analyticsDedupKey, analyticsSchedule } from "./schedule.js";
import { type AnalyticsSyncPayload, runAnalyticsSync } from "./sync.js";

export const analyticsSyncPayload: z.ZodType<AnalyticsSyncPayload> = z.object({
  socialAccountId: z.string().min(1).max(100),
});

export const analyticsSync = defineJobType({
  type: "analytics-sync",
  payload: analyticsSyncPayload,
  timeoutMs: 3 * 60_000,
  run: runAnalyticsSync,
  dedupKey: analyticsDedupKey,
  schedule: analyticsSchedule,
  needs: analyticsNeeds,
});
