// The QStash console manages schedules too: against the local QStash, an operator's console edits (cron,
// pause, resume, delete, a new schedule for our trigger URL) are adopted into the table, not put back;
// changes on both sides are settled by the newer one; a console cron the service cannot run is refused.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { updateSchedule } from "../../db/queries/schedules.js";
import { schedules as schedulesTable } from "../../db/schema.js";
import { createLogger } from "../../src/logger.js";
import { QstashDriver } from "../../src/scheduler/qstash-driver.js";
import { reconcileSchedules } from "../../src/scheduler/reconcile.js";
import { type FakeQstash, startFakeQstash } from "../fakes/qstash-server.js";
import { eventually } from "../helpers/eventually.js";
import type { TestService } from "../helpers/service.js";
import { startQstashService } from "./qstash-service.js";
import { scheduleOf } from "./targets.js";

let PUBLIC_URL: string;
let qstash: FakeQstash;
let t: TestService;
let prefix: string;
const id = (type: string) => `${prefix}-${type}`;
const reconcile = () => t.service.scheduler!.control.reconcile();
const ourSchedules = () =>
  [...qstash.schedules.values()].filter((s) => s.destination.startsWith(`${PUBLIC_URL}/triggers/`));

beforeAll(async () => {
  qstash = await startFakeQstash({ token: "qstash-test-token", signingKey: "sig_current_test_key" });
  ({ t, publicUrl: PUBLIC_URL } = await startQstashService(qstash));
  prefix = t.redis.prefix;
});
afterAll(async () => {
  await t?.stop();
  await qstash?.close();
});

describe("console changes", () => {
  test("a cron edited in the console is adopted: table and QStash agree, and it is not put back", async () => {
    qstash.console.editCron(id("scrape"), "CRON_TZ=Europe/Berlin 0 */2 * * *");
    expect((await reconcile()).adopted).toEqual(["scrape"]);
    const row = await scheduleOf(t, "scrape");
    expect(row).toMatchObject({ cron: "0 */2 * * *", timezone: "Europe/Berlin", enabled: true });
    expect(row).toMatchObject({ source: "console", syncError: null });
    expect(row.lastSyncedAt).not.toBeNull();
    expect((await scheduleOf(t, "analytics-sync")).source).toBe("default");
    const again = await reconcile();
    expect(again).toMatchObject({ created: [], updated: [], deleted: [], adopted: [] });
    expect(qstash.schedules.get(id("scrape"))?.cron).toBe("CRON_TZ=Europe/Berlin 0 */2 * * *");
  });

  test("paused in the console → disabled; resumed in the console → enabled", async () => {
    qstash.console.pause(id("analytics-sync"));
    await reconcile();
    expect(await scheduleOf(t, "analytics-sync")).toMatchObject({ enabled: false, nextRunAt: null });
    expect(qstash.schedules.get(id("analytics-sync"))?.isPaused).toBe(true);
    qstash.console.resume(id("analytics-sync"));
    await reconcile();
    const row = await scheduleOf(t, "analytics-sync");
    expect(row).toMatchObject({ enabled: true, source: "console" });
    expect(row.nextRunAt).not.toBeNull();
    expect(qstash.schedules.get(id("analytics-sync"))?.isPaused).toBe(false);
  });

  test("deleted in the console → recreated; not while the table disables it", async () => {
    qstash.console.delete(id("scrape"));
    expect((await reconcile()).created).toEqual(["scrape"]);
    expect(qstash.schedules.get(id("scrape"))).toMatchObject({
      cron: "CRON_TZ=Europe/Berlin 0 */2 * * *",
      isPaused: false,
    });
    expect((await scheduleOf(t, "scrape")).enabled).toBe(true);

    await t.api("/admin/schedules/analytics-sync", {
      method: "PUT",
      json: { cron: "0 * * * *", enabled: false },
    });
    qstash.console.delete(id("analytics-sync"));
    expect((await reconcile()).created).toEqual([]);
    expect(qstash.schedules.has(id("analytics-sync"))).toBe(false);
    const res = await t.api("/admin/schedules/analytics-sync", {
      method: "PUT",
      json: { cron: "0 * * * *", enabled: true },
    });
    expect(await res.json()).toMatchObject({ synced: true });
    expect(qstash.schedules.get(id("analytics-sync"))?.isPaused).toBe(false);
  });

  test("a second schedule made in the console for a type: the newest is kept (and adopted), the other removed", async () => {
    const made = qstash.console.create(`${PUBLIC_URL}/triggers/scrape`, "CRON_TZ=UTC 15 3 * * *");
    const report = await reconcile();
    expect(report.deleted).toEqual([id("scrape")]);
    expect(report.adopted).toEqual(["scrape"]);
    expect(
      ourSchedules()
        .filter((s) => s.destination.endsWith("/scrape"))
        .map((s) => s.scheduleId),
    ).toEqual([made]);
    expect(await scheduleOf(t, "scrape")).toMatchObject({
      cron: "15 3 * * *",
      timezone: "UTC",
      source: "console",
    });
    expect(t.logs.join("")).toContain("two schedules for one job type");
    // The adopted schedule is the type's from now on: an admin change goes to it.
    await t.api("/admin/schedules/scrape", { method: "PUT", json: { cron: "45 3 * * *" } });
    expect(qstash.schedules.get(made)?.cron).toBe("CRON_TZ=UTC 45 3 * * *");
    expect(qstash.schedules.has(id("scrape"))).toBe(false);
  });

  test("changed on both sides: the newer change wins, the loser is logged with both values", async () => {
    const [scrapeId] = ourSchedules()
      .filter((s) => s.destination.endsWith("/scrape"))
      .map((s) => s.scheduleId);
    // The console first, then the admin API: the table's change is newer.
    qstash.console.editCron(scrapeId!, "CRON_TZ=UTC 0 5 * * *");
    const res = await t.api("/admin/schedules/scrape", { method: "PUT", json: { cron: "0 6 * * *" } });
    expect(await res.json()).toMatchObject({ synced: true, schedule: { cron: "0 6 * * *", source: "api" } });
    expect(qstash.schedules.get(scrapeId!)?.cron).toBe("CRON_TZ=UTC 0 6 * * *");
    const tableWon = t.logs.find((l) => l.includes("the newer (table) wins"));
    expect(tableWon).toContain("CRON_TZ=UTC 0 6 * * *");
    expect(tableWon).toContain("CRON_TZ=UTC 0 5 * * *");

    // A table change QStash never got (saved while it was unreachable), then a console edit: the console's is newer.
    const row = (await t.db.db.select().from(schedulesTable).where(eq(schedulesTable.jobType, "scrape")))[0]!;
    const { timezone, enabled, nextRunAt } = row;
    await updateSchedule(t.db.db, "scrape", { cron: "0 7 * * *", timezone, enabled, nextRunAt });
    qstash.console.editCron(scrapeId!, "CRON_TZ=UTC 0 8 * * *");
    const report = await reconcile();
    expect(report.conflicts).toEqual([{ jobType: "scrape", winner: "console" }]);
    expect(await scheduleOf(t, "scrape")).toMatchObject({ cron: "0 8 * * *", source: "console" });
    const consoleWon = t.logs.find((l) => l.includes("the newer (console) wins"));
    expect(consoleWon).toContain("CRON_TZ=UTC 0 7 * * *");
    expect(consoleWon).toContain("CRON_TZ=UTC 0 8 * * *");
  });

  test("a console cron the service cannot run is refused: the row keeps its value and shows syncError", async () => {
    const [scrapeId] = ourSchedules()
      .filter((s) => s.destination.endsWith("/scrape"))
      .map((s) => s.scheduleId);
    qstash.console.editCron(scrapeId!, "CRON_TZ=Mars/Olympus 0 9 * * *");
    const report = await reconcile();
    expect(report.adopted).toEqual([]);
    const row = await scheduleOf(t, "scrape");
    expect(row).toMatchObject({ cron: "0 8 * * *", timezone: "UTC" });
    expect(row.syncError).toMatch(/console change refused.*unknown time zone "Mars\/Olympus"/);
    // QStash runs what the table holds again.
    expect(qstash.schedules.get(scrapeId!)?.cron).toBe("CRON_TZ=UTC 0 8 * * *");

    // A console schedule for a type the service does not know is not adopted, and left alone.
    const stranger = qstash.console.create(`${PUBLIC_URL}/triggers/nope`, "0 * * * *");
    await reconcile();
    expect(qstash.schedules.has(stranger)).toBe(true);
    expect(t.logs.join("")).toContain("points at a job type the service does not schedule");
    qstash.console.delete(stranger);
  });

  test("two instances reconciling at once leave one schedule per type", async () => {
    const log = createLogger({ level: "silent" });
    const deps = { db: t.db.db, prefix, log };
    const driver = () =>
      new QstashDriver({ baseUrl: qstash.url, token: qstash.token, publicUrl: PUBLIC_URL, idPrefix: prefix });
    qstash.console.create(`${PUBLIC_URL}/triggers/analytics-sync`, "CRON_TZ=UTC 10 * * * *");
    for (const s of ourSchedules().filter((x) => x.destination.endsWith("/scrape")))
      qstash.console.delete(s.scheduleId);
    const before = qstash.calls.length;
    await Promise.all([
      reconcileSchedules({ ...deps, driver: driver() }),
      reconcileSchedules({ ...deps, driver: driver() }),
    ]);
    const types = ourSchedules().map((s) => s.destination.split("/").pop());
    expect(types.sort()).toEqual(["analytics-sync", "scrape"]);
    const creates = qstash.calls.slice(before).filter((c) => c.startsWith("POST /v2/schedules/http"));
    expect(creates).toHaveLength(1);
  });
});

describe("the periodic reconcile", () => {
  test("adopts a console edit within SCHEDULE_RECONCILE_INTERVAL_MS, one list call per interval", async () => {
    const { t: second } = await startQstashService(qstash, {
      db: t.db,
      redis: t.redis,
      env: { SCHEDULE_RECONCILE_INTERVAL_MS: "300" },
    });
    try {
      qstash.console.editCron(id("scrape"), "CRON_TZ=Asia/Tokyo 30 1 * * *");
      await eventually(async () => (await scheduleOf(t, "scrape")).timezone === "Asia/Tokyo");
      expect(await scheduleOf(t, "scrape")).toMatchObject({ cron: "30 1 * * *", source: "console" });
      const lists = () => qstash.calls.filter((c) => c === "GET /v2/schedules").length;
      const start = lists();
      const t0 = Date.now();
      await eventually(async () => lists() >= start + 3);
      // No more than one list per interval (a little slack for the round in flight).
      expect(lists() - start).toBeLessThanOrEqual(Math.ceil((Date.now() - t0) / 300) + 1);
      expect(qstash.schedules.get(id("scrape"))?.cron).toBe("CRON_TZ=Asia/Tokyo 30 1 * * *");
    } finally {
      await second.stop();
    }
  });
});
