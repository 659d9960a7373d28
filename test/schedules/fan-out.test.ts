// The fan-out on its own (no relay, so its jobs stay queued): who is targeted (healthy enabled sources,
// unhealthy ones once a day, active accounts), thousands of targets in bulk at low priority, a second run
// skipping and counting every target still queued, and a type missing from the catalog doing nothing.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createOrg } from "../../db/queries/orgs.js";
import { getSchedule, seedSchedules } from "../../db/queries/schedules.js";
import { contextSources } from "../../db/schema.js";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { EventBus } from "../../src/events/bus.js";
import { Lifecycle } from "../../src/lifecycle/lifecycle.js";
import { createLogger } from "../../src/logger.js";
import { Queues } from "../../src/queue/queues.js";
import { type FanOutDeps, runFanOut } from "../../src/scheduler/fan-out.js";
import { defaultSchedules } from "../../src/scheduler/targets.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";
import { analyticsStandIn, scrapeStandIn, standInCatalog } from "./stand-ins.js";
import { addAccount, addSource, jobsFor } from "./targets.js";

let db: TestDatabase;
let redis: TestRedis;
let client: Redis;
let queues: Queues;
let deps: FanOutDeps;
const orgs: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await createTestRedis();
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
  queues = new Queues(client, redis.prefix, standInCatalog);
  deps = {
    db: db.db,
    lifecycle: new Lifecycle({
      db: db.db,
      redis: client,
      queues,
      events: new EventBus(client, redis.prefix),
      log: createLogger({ level: "silent" }),
    }),
    catalog: standInCatalog,
    log: createLogger({ level: "silent" }),
    maxAttempts: 4,
  };
  await seedSchedules(db.db, defaultSchedules(standInCatalog));
  for (const name of ["a", "b", "c"]) orgs[name] = (await createOrg(db.db, `org ${name}`)).org.id;
});
afterAll(async () => {
  await queues.close();
  client.disconnect();
  await redis.cleanup();
  await db.close();
});

describe("targets", () => {
  test("scrape: enabled healthy sources, unhealthy ones only when not tried for a day, none of a deleted org", async () => {
    const now = new Date();
    const hourAgo = new Date(now.getTime() - 3600_000);
    const twoDaysAgo = new Date(now.getTime() - 2 * 86_400_000);
    const healthy = await addSource(db.db, orgs.a!, "u1");
    const disabled = await addSource(db.db, orgs.a!, "u1", { enabled: false });
    const sick = await addSource(db.db, orgs.a!, "u2", { health: "unhealthy", lastScrapedAt: hourAgo });
    const sickLongAgo = await addSource(db.db, orgs.b!, "u3", {
      health: "unhealthy",
      lastScrapedAt: twoDaysAgo,
    });
    const orphan = await addSource(db.db, "org_deleted", "u9");
    const res = await runFanOut(deps, "scrape", now);
    expect(res).toMatchObject({ targets: 2, enqueued: 2, skipped: 0 });
    expect(await jobsFor(db.db, `scrape:${orphan}`)).toHaveLength(0);
    expect(await jobsFor(db.db, `scrape:${healthy}`)).toHaveLength(1);
    expect(await jobsFor(db.db, `scrape:${sickLongAgo}`)).toHaveLength(1);
    expect(await jobsFor(db.db, `scrape:${disabled}`)).toHaveLength(0);
    expect(await jobsFor(db.db, `scrape:${sick}`)).toHaveLength(0);
    const row = await getSchedule(db.db, "scrape");
    expect(row).toMatchObject({ lastEnqueuedCount: 2, skippedCount: 0 });
    expect(row!.lastRunAt?.getTime()).toBe(now.getTime());
    expect(row!.nextRunAt!.getTime()).toBeGreaterThan(now.getTime());
  });

  test("analytics-sync: active accounts only", async () => {
    const active = await addAccount(db.db, orgs.a!, "u1");
    const reauth = await addAccount(db.db, orgs.a!, "u1", "needs_reauth");
    const res = await runFanOut(deps, "analytics-sync");
    expect(res).toMatchObject({ targets: 1, enqueued: 1 });
    const [job] = await jobsFor(db.db, `analytics-sync:${active}`);
    expect(job).toMatchObject({ type: "analytics-sync", payload: { socialAccountId: active } });
    expect(await jobsFor(db.db, `analytics-sync:${reauth}`)).toHaveLength(0);
  });

  test("a type missing from the catalog (not built yet) does nothing and says so", async () => {
    const partial = { ...deps, catalog: createCatalog([scrapeStandIn]) };
    const res = await runFanOut(partial, "analytics-sync");
    expect(res).toMatchObject({ enqueued: 0, unavailable: "job type not in the catalog" });
    expect(analyticsStandIn.type).toBe("analytics-sync");
  });
});

describe("bulk", () => {
  test("2,500 sources go in at low priority in a few statements; a second run skips every one still queued", async () => {
    const n = 2_500;
    const rows = Array.from({ length: n }, (_, i) => ({
      id: `src_bulk_${String(i).padStart(5, "0")}`,
      orgId: [orgs.a!, orgs.b!, orgs.c!][i % 3]!,
      userId: `u${i % 13}`,
      kind: "rss" as const,
      url: `https://example.com/${i}.xml`,
    }));
    for (let i = 0; i < n; i += 500) await db.db.insert(contextSources).values(rows.slice(i, i + 500));
    const before = await queues.get("scrape").getJobCounts("prioritized", "waiting");
    const first = await runFanOut(deps, "scrape");
    expect(first.enqueued).toBe(n);
    const counts = await queues.get("scrape").getJobCounts("prioritized", "waiting");
    expect((counts.prioritized ?? 0) + (counts.waiting ?? 0)).toBe(
      (before.prioritized ?? 0) + (before.waiting ?? 0) + n,
    );
    // Low priority: every one sits in the last band, behind any normal or high job.
    const [job] = await jobsFor(db.db, "scrape:src_bulk_00042");
    const queued = await queues.get("scrape").getJob(job!.id);
    expect(job!.priority).toBe("low");
    expect(queued!.opts.priority).toBeGreaterThan(3 * 524_287);
    const skippedBefore = (await getSchedule(db.db, "scrape"))!.skippedCount;
    const second = await runFanOut(deps, "scrape");
    expect(second.enqueued).toBe(0);
    expect(second.skipped).toBe(second.targets);
    const row = await getSchedule(db.db, "scrape");
    expect(row!.skippedCount).toBe(skippedBefore + second.targets);
    expect(row!.lastSkippedAt).not.toBeNull();
  });
});
