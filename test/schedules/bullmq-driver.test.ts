// Schedules with the embedded bullmq driver, through the real service (API, relay, scheduler, handlers over
// signed HTTP): a seconds-level cron fires and records its runs, a target still running is skipped and
// counted (never doubled), disabling stops it, and restarts or two instances starting at once duplicate nothing.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SCHEDULER_QUEUE, schedulerQueue } from "../../src/scheduler/scheduler-queue.js";
import { eventually } from "../helpers/eventually.js";
import { startTestService, type TestService } from "../helpers/service.js";
import { calls, hold, release, standInCatalog } from "./stand-ins.js";
import { addSource, jobsFor, liveJobsFor, scheduleOf } from "./targets.js";

/** Asserts `check` stays true for `ms` (polling): the only way to see that something does not happen. */
async function staysTrue(check: () => Promise<boolean>, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect(await check()).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("bullmq driver", () => {
  let t: TestService;
  let sourceA: string;
  let sourceB: string;

  beforeAll(async () => {
    t = await startTestService({ catalog: standInCatalog, keepSchedules: true });
    sourceA = await addSource(t.db.db, t.orgId, "u1");
    sourceB = await addSource(t.db.db, t.orgId, "u2");
  });
  afterAll(async () => {
    release(sourceA);
    await t.stop();
  });

  test("defaults are seeded: scrape every 6 hours, analytics-sync hourly, with their next run", async () => {
    const s = await scheduleOf(t, "scrape");
    expect(s).toMatchObject({ cron: "0 */6 * * *", timezone: "UTC", enabled: true, lastRunAt: null });
    expect(new Date(s.nextRunAt!).getUTCHours() % 6).toBe(0);
    expect(await scheduleOf(t, "analytics-sync")).toMatchObject({ cron: "0 * * * *", enabled: true });
  });

  test("a seconds-level cron fires, enqueues one low-priority job per source and records last/next run", async () => {
    const res = await t.api("/admin/schedules/scrape", { method: "PUT", json: { cron: "*/1 * * * * *" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ schedule: { cron: "*/1 * * * * *" }, synced: true });
    const s = await eventually(async () => {
      const x = await scheduleOf(t, "scrape");
      return x.lastRunAt ? x : null;
    });
    expect(new Date(s.nextRunAt!).getTime()).toBeGreaterThan(new Date(s.lastRunAt!).getTime());
    expect(new Date(s.nextRunAt!).getTime() - new Date(s.lastRunAt!).getTime()).toBeLessThanOrEqual(1000);
    for (const id of [sourceA, sourceB]) {
      const [job] = await eventually(async () => {
        const j = await jobsFor(t.db.db, `scrape:${id}`);
        return j.length ? j : null;
      });
      expect(job).toMatchObject({
        type: "scrape",
        priority: "low",
        payload: { sourceId: id },
        orgId: t.orgId,
      });
    }
    // It keeps firing: B's jobs complete and later runs enqueue new ones.
    await eventually(async () => (await jobsFor(t.db.db, `scrape:${sourceB}`)).length >= 3, {
      timeoutMs: 8_000,
    });
  });

  test("a source whose job is still running is skipped and counted, never doubled", async () => {
    await eventually(async () => (await liveJobsFor(t.db.db, `scrape:${sourceA}`)).length === 0);
    const before = await scheduleOf(t, "scrape");
    hold(sourceA);
    const callsBefore = calls.get(sourceA) ?? 0;
    // A's next job starts and hangs in the handler.
    await eventually(async () => (calls.get(sourceA) ?? 0) > callsBefore);
    const heldJobs = (await jobsFor(t.db.db, `scrape:${sourceA}`)).length;
    const bBefore = (await jobsFor(t.db.db, `scrape:${sourceB}`)).length;
    // Several more runs: B gets new jobs, A is skipped each time and counted.
    const after = await eventually(async () => {
      const s = await scheduleOf(t, "scrape");
      return s.skippedCount >= before.skippedCount + 2 ? s : null;
    });
    expect(after.lastSkippedAt).not.toBeNull();
    expect((await jobsFor(t.db.db, `scrape:${sourceB}`)).length).toBeGreaterThan(bBefore);
    expect((await jobsFor(t.db.db, `scrape:${sourceA}`)).length).toBe(heldJobs);
    const live = await liveJobsFor(t.db.db, `scrape:${sourceA}`);
    expect(live.map((j) => j.status)).toEqual(["active"]);
    release(sourceA);
    await eventually(async () => (await jobsFor(t.db.db, `scrape:${sourceA}`)).length > heldJobs);
  });

  test("disabling stops it: the job scheduler is removed and no run happens any more", async () => {
    const res = await t.api("/admin/schedules/scrape", {
      method: "PUT",
      json: { cron: "*/1 * * * * *", enabled: false },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { schedule: { enabled: boolean; nextRunAt: string | null } };
    expect(body.schedule).toMatchObject({ enabled: false, nextRunAt: null });
    const queue = schedulerQueue(t.service.redis, t.redis.prefix);
    try {
      const ids = (await queue.getJobSchedulers()).map((s) => s.key);
      expect(ids).not.toContain("schedule-scrape");
      expect(ids).toContain("schedule-analytics-sync");
      // A fan-out already pulled may still finish; after it, nothing more runs.
      await eventually(async () => (await queue.getActiveCount()) === 0);
      const settled = (await scheduleOf(t, "scrape")).lastRunAt;
      await staysTrue(async () => (await scheduleOf(t, "scrape")).lastRunAt === settled, 2_500);
    } finally {
      await queue.close();
    }
  });

  test("run now fans out even while disabled", async () => {
    const before = (await jobsFor(t.db.db, `scrape:${sourceB}`)).length;
    const res = await t.api("/admin/schedules/scrape/run", { method: "POST" });
    expect(res.status).toBe(202);
    await eventually(async () => (await jobsFor(t.db.db, `scrape:${sourceB}`)).length === before + 1);
  });
});

describe("bullmq driver: restarts", () => {
  test("two instances starting at once, then a restart, leave one job scheduler and one pending run per schedule", async () => {
    const first = await startTestService({ catalog: standInCatalog, keepSchedules: true });
    const shared = { db: first.db, redis: first.redis, catalog: standInCatalog, keepSchedules: true };
    const [second, third] = await Promise.all([startTestService(shared), startTestService(shared)]);
    const queue = schedulerQueue(first.service.redis, first.redis.prefix);
    try {
      const check = async () => {
        const schedulers = await queue.getJobSchedulers();
        expect(schedulers.map((s) => s.key).sort()).toEqual(["schedule-analytics-sync", "schedule-scrape"]);
        const delayed = await queue.getDelayed();
        expect(delayed.map((j) => j.name).sort()).toEqual(["analytics-sync", "scrape"]);
      };
      await check();
      // Restart one instance; a reconcile after it changes nothing.
      await second.stop();
      const again = await startTestService(shared);
      const report = await again.service.scheduler!.control.reconcile();
      expect(report).toMatchObject({ created: [], updated: [], deleted: [] });
      expect(report.unchanged.sort()).toEqual(["analytics-sync", "scrape"]);
      await check();
      await again.stop();
      expect(SCHEDULER_QUEUE.startsWith("_")).toBe(true);
    } finally {
      await queue.close();
      await third.stop();
      await first.stop();
    }
  });
});
