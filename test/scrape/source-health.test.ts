// Source health across jobs: each scrape job that fails for good (onFailed, as the relay calls it)
// counts one failure; the 5th in a row flips the source to unhealthy with exactly one notification to
// its owner, even when failures land concurrently; a later success makes it healthy again.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { contextSources } from "../../db/schema.js";
import type { FailedJob } from "../../handlers/kit/context.js";
import { newId } from "../../handlers/kit/ids.js";
import { type ScrapePayload, scrapeJob } from "../../handlers/scrape/index.js";
import { type FakeSite, html, startFakeSite, status } from "./fake-site.js";
import { createHarness, type Harness } from "./harness.js";

let h: Harness;
let site: FakeSite;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  site = await startFakeSite();
  return () => site.close();
});

function failed(sourceId: string): FailedJob<ScrapePayload> {
  return {
    jobId: newId("job"),
    type: "scrape",
    orgId: h.orgId,
    userId: h.userId,
    payload: { sourceId },
    errorCode: "source_unavailable",
    errorMessage: "answered 503",
  };
}

const unhealthyFor = async (sourceId: string) =>
  (await h.notifications()).filter(
    (n) => n.kind === "source_unhealthy" && (n.data as { sourceId: string }).sourceId === sourceId,
  );

describe("source health", () => {
  it("flips to unhealthy at the 5th consecutive failure with one notification, and back on success", async () => {
    let up = false;
    site.route("/flaky", (req, res) =>
      up ? html("<p>Back online with a page about flywheels.</p>")(req, res) : status(503)(req, res),
    );
    const id = await h.addSource("website", `${site.url}/flaky`, "Flaky blog");
    for (let i = 1; i <= 4; i++) {
      expect((await h.scrape(id)).status).toBe(503);
      await scrapeJob.onFailed!(h.failureContext, failed(id));
      expect(await h.source(id)).toMatchObject({ health: "healthy", consecutiveFailures: i });
    }
    expect(await unhealthyFor(id)).toHaveLength(0);
    await scrapeJob.onFailed!(h.failureContext, failed(id));
    expect(await h.source(id)).toMatchObject({
      health: "unhealthy",
      consecutiveFailures: 5,
      lastError: "source_unavailable: answered 503",
    });
    const [note, ...more] = await unhealthyFor(id);
    expect(more).toHaveLength(0);
    expect(note).toMatchObject({
      userId: h.userId,
      kind: "source_unhealthy",
      title: "Source unhealthy: Flaky blog",
    });
    // More failures while unhealthy: no more notifications.
    await scrapeJob.onFailed!(h.failureContext, failed(id));
    await scrapeJob.onFailed!(h.failureContext, failed(id));
    expect(await unhealthyFor(id)).toHaveLength(1);

    up = true;
    expect((await h.scrape(id)).status).toBe(200);
    expect(await h.source(id)).toMatchObject({ health: "healthy", consecutiveFailures: 0, lastError: null });
  });

  it("a scrape that gave up on its host's open breaker, or expired, is not the source's failure", async () => {
    const id = await h.addSource("website", `${site.url}/down-host`, "Down host");
    for (const errorCode of ["dependency_unavailable", "expired"])
      for (let i = 0; i < 5; i++) await scrapeJob.onFailed!(h.failureContext, { ...failed(id), errorCode });
    expect(await h.source(id)).toMatchObject({ health: "healthy", consecutiveFailures: 0 });
    // A permanent failure still counts.
    await scrapeJob.onFailed!(h.failureContext, { ...failed(id), errorCode: "not_found" });
    expect(await h.source(id)).toMatchObject({ consecutiveFailures: 1 });
  });

  it("concurrent failures notify exactly once", async () => {
    const id = await h.addSource("rss", `${site.url}/feed`);
    await Promise.all(Array.from({ length: 12 }, () => scrapeJob.onFailed!(h.failureContext, failed(id))));
    expect(await h.source(id)).toMatchObject({ health: "unhealthy", consecutiveFailures: 12 });
    expect(await unhealthyFor(id)).toHaveLength(1);
  });

  it("a disabled source is skipped without fetching", async () => {
    const id = await h.addSource("website", `${site.url}/`);
    await h.db.db.update(contextSources).set({ enabled: false }).where(eq(contextSources.id, id));
    expect((await h.scrape(id)).body).toMatchObject({ status: "disabled", newItems: 0 });
    expect(site.requests).toHaveLength(0);
  });
});
