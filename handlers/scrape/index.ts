// Job type `scrape` — POST /scrape, payload {sourceId}, timeout 2 min. Scrapes one context source (a web
// page, a whole site from its sitemaps, or an RSS/Atom/RDF feed) into context_items, honouring robots.txt. Idempotent: items are keyed by (source, key) and
// unchanged content writes nothing. Answers 200 with counts; 503 for network/5xx/429/timeouts (retried);
// 422 for 404/410, blocked URLs, robots_disallowed, non-HTML or non-feed bodies. onFailed counts the source's failures.
import { z } from "zod";
import { defineJobType } from "../kit/define.js";
import { scrapeNeeds } from "./host.js";
import { runScrape, SCRAPE_TIMEOUT_MS } from "./run-scrape.js";
import { scrapeDedupKey, scrapeSchedule } from "./schedule.js";
import { recordScrapeFailure } from "./source-health.js";

/** Failure codes that do not count toward a source's consecutive failures. */
const NOT_THE_SOURCE = new Set(["expired", "dependency_unavailable"]);

export const scrapePayload = z.object({ sourceId: z.string().min(1).max(100) });
export type ScrapePayload = z.infer<typeof scrapePayload>;

export const scrapeJob = defineJobType<ScrapePayload>({
  type: "scrape",
  payload: scrapePayload,
  timeoutMs: SCRAPE_TIMEOUT_MS,
  run: runScrape,
  dedupKey: scrapeDedupKey,
  needs: scrapeNeeds,
  schedule: scrapeSchedule,
  // The source's health is what the user sees: one notification when it turns unhealthy (in
  // recordScrapeFailure), never one per failed scrape, so the relay's generic one is turned off.
  async onFailed(ctx, job) {
    // Not the source's failure: an expired scrape waited past the next scheduled one; one that gave up
    // waiting on its host's open breaker found the host down, not the source broken.
    if (!NOT_THE_SOURCE.has(job.errorCode ?? "")) await recordScrapeFailure(ctx, job);
    return { notify: false };
  },
});
