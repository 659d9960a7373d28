// Stand-in `scrape` and `analytics-sync` job types with the real payload shapes, schedules and dedup keys,
// for scheduler tests: they record each call and can hold a target's job active until the test releases it (an overlapping run).
import { z } from "zod";
import { analyticsSync } from "../../handlers/analytics-sync/index.js";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { defineJobType } from "../../handlers/kit/define.js";
import { scrapeJob } from "../../handlers/scrape/index.js";

/** Calls per target id. */
export const calls = new Map<string, number>();
const gates = new Map<string, { promise: Promise<void>; release: () => void }>();

/** Jobs for `targetId` stay active until `release(targetId)`. */
export function hold(targetId: string): void {
  let release = () => {};
  const promise = new Promise<void>((r) => {
    release = r;
  });
  gates.set(targetId, { promise, release });
}

export function release(targetId: string): void {
  gates.get(targetId)?.release();
  gates.delete(targetId);
}

async function visit(id: string) {
  calls.set(id, (calls.get(id) ?? 0) + 1);
  await gates.get(id)?.promise;
  return { ok: true, id };
}

export const scrapeStandIn = defineJobType({
  type: "scrape",
  payload: z.object({ sourceId: z.string().min(1) }),
  timeoutMs: 30_000,
  run: (_ctx, job) => visit(job.payload.sourceId),
  dedupKey: scrapeJob.dedupKey,
  schedule: scrapeJob.schedule,
});

export const analyticsStandIn = defineJobType({
  type: "analytics-sync",
  payload: z.object({ socialAccountId: z.string().min(1) }),
  timeoutMs: 30_000,
  run: (_ctx, job) => visit(job.payload.socialAccountId),
  dedupKey: analyticsSync.dedupKey,
  schedule: analyticsSync.schedule,
});

export const standInCatalog = createCatalog([scrapeStandIn, analyticsStandIn]);
