// Schedules with the qstash driver against a local server speaking QStash's schedules API: reconciling makes
// QStash match the table (create, update, delete; console-only edits put back), and POST /triggers/:type
// refuses invalid and replayed signatures and fans out once per Upstash-Message-Id.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { signRequest } from "../../handlers/kit/signature.js";
import { createLogger } from "../../src/logger.js";
import { QstashDriver } from "../../src/scheduler/qstash-driver.js";
import { reconcileSchedules } from "../../src/scheduler/reconcile.js";
import { schedulerQueue } from "../../src/scheduler/scheduler-queue.js";
import { type FakeQstash, startFakeQstash } from "../fakes/qstash-server.js";
import { eventually } from "../helpers/eventually.js";
import { startTestService, type TestService } from "../helpers/service.js";
import { standInCatalog } from "./stand-ins.js";
import { addAccount, addSource, jobsFor, scheduleOf } from "./targets.js";

let PUBLIC_URL: string;
const SIGNING_KEY = "sig_current_test_key"; // the test service's QSTASH_CURRENT_SIGNING_KEY

let qstash: FakeQstash;
let t: TestService;
let prefix: string;
const id = (type: string) => `${prefix}-${type}`;

/** A free local port, so PUBLIC_URL (what QStash calls and signatures name) is known before the start. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

beforeAll(async () => {
  qstash = await startFakeQstash({ token: "qstash-test-token", signingKey: SIGNING_KEY });
  const port = await freePort();
  PUBLIC_URL = `http://127.0.0.1:${port}`;
  t = await startTestService({
    keepSchedules: true,
    catalog: standInCatalog,
    env: {
      SCHEDULER: "qstash",
      QSTASH_URL: qstash.url,
      QSTASH_TOKEN: qstash.token,
      PUBLIC_URL,
      PORT: String(port),
    },
  });
  prefix = t.redis.prefix;
});
afterAll(async () => {
  await t?.stop();
  await qstash?.close();
});

describe("reconcile", () => {
  test("start creates one QStash schedule per seeded row, with a stable id, CRON_TZ and the trigger URL", () => {
    expect(qstash.schedules.get(id("scrape"))).toMatchObject({
      cron: "CRON_TZ=UTC 0 */6 * * *",
      destination: `${PUBLIC_URL}/triggers/scrape`,
      method: "POST",
    });
    expect(qstash.schedules.get(id("analytics-sync"))).toMatchObject({
      cron: "CRON_TZ=UTC 0 * * * *",
      destination: `${PUBLIC_URL}/triggers/analytics-sync`,
    });
  });

  test("a change updates the same schedule; disabling deletes it; enabling creates it again", async () => {
    let res = await t.api("/admin/schedules/scrape", {
      method: "PUT",
      json: { cron: "*/15 * * * *", timezone: "Europe/Paris" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ synced: true, schedule: { timezone: "Europe/Paris" } });
    expect(qstash.schedules.get(id("scrape"))?.cron).toBe("CRON_TZ=Europe/Paris */15 * * * *");
    expect([...qstash.schedules.keys()].filter((k) => k.startsWith(prefix))).toHaveLength(2);

    res = await t.api("/admin/schedules/analytics-sync", {
      method: "PUT",
      json: { cron: "0 * * * *", enabled: false },
    });
    expect(res.status).toBe(200);
    expect(qstash.schedules.has(id("analytics-sync"))).toBe(false);
    expect((await scheduleOf(t, "analytics-sync")).nextRunAt).toBeNull();

    res = await t.api("/admin/schedules/analytics-sync", {
      method: "PUT",
      json: { cron: "30 * * * *", enabled: true },
    });
    expect(qstash.schedules.get(id("analytics-sync"))?.cron).toBe("CRON_TZ=UTC 30 * * * *");
  });

  test("the table wins: console-only edits, pauses and extra schedules to our URL are put back; others' are left", async () => {
    const scrape = qstash.schedules.get(id("scrape"))!;
    scrape.cron = "* * * * *";
    qstash.schedules.get(id("analytics-sync"))!.isPaused = true;
    const base = { method: "POST", header: {}, retries: 3, createdAt: Date.now(), isPaused: false };
    qstash.schedules.set("scd_console", {
      ...base,
      scheduleId: "scd_console",
      cron: "*/5 * * * *",
      destination: `${PUBLIC_URL}/triggers/scrape`,
    });
    qstash.schedules.set("scd_other_app", {
      ...base,
      scheduleId: "scd_other_app",
      cron: "*/5 * * * *",
      destination: "https://other.example.com/cron",
    });
    const report = await t.service.scheduler!.control.reconcile();
    expect(report.updated.sort()).toEqual(["analytics-sync", "scrape"]);
    expect(report.deleted).toEqual(["scd_console"]);
    expect(qstash.schedules.get(id("scrape"))?.cron).toBe("CRON_TZ=Europe/Paris */15 * * * *");
    expect(qstash.schedules.get(id("analytics-sync"))?.isPaused).toBe(false);
    expect(qstash.schedules.has("scd_other_app")).toBe(true);
    // Reconciling again changes nothing.
    const again = await t.service.scheduler!.control.reconcile();
    expect(again).toMatchObject({ created: [], updated: [], deleted: [] });
  });

  test("two instances reconciling at once create each schedule once", async () => {
    const driver = () =>
      new QstashDriver({ baseUrl: qstash.url, token: qstash.token, publicUrl: PUBLIC_URL, idPrefix: prefix });
    qstash.schedules.delete(id("scrape"));
    const before = qstash.calls.length;
    const deps = { db: t.db.db, redis: t.service.redis, prefix, log: createLogger({ level: "silent" }) };
    const [a, b] = await Promise.all([
      reconcileSchedules({ ...deps, driver: driver() }),
      reconcileSchedules({ ...deps, driver: driver() }),
    ]);
    expect([...a.created, ...b.created]).toEqual(["scrape"]);
    const creates = qstash.calls.slice(before).filter((c) => c.startsWith("POST /v2/schedules/http"));
    expect(creates).toHaveLength(1);
  });

  test("the fake checks the Bearer token like QStash: a wrong token is refused", async () => {
    const bad = new QstashDriver({
      baseUrl: qstash.url,
      token: "wrong",
      publicUrl: PUBLIC_URL,
      idPrefix: prefix,
    });
    await expect(bad.list()).rejects.toThrow(/Unauthorized/);
  });

  test("invalid cron or zone → 400 naming why; 6 fields are refused under QStash", async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ cron: "61 * * * *" }, "cron", /invalid cron expression/],
      [{ cron: "* * *" }, "cron", /expected 5 fields/],
      [{ cron: "*/1 * * * * *" }, "cron", /only work with SCHEDULER=bullmq/],
      [{ cron: "0 * * * *", timezone: "Mars/Olympus" }, "timezone", /unknown time zone/],
    ];
    for (const [json, path, why] of cases) {
      const res = await t.api("/admin/schedules/scrape", { method: "PUT", json });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { message: string; fields: { path: string }[] } };
      expect(body.error.message).toMatch(why);
      expect(body.error.fields[0]?.path).toBe(path);
    }
    expect(
      (await t.api("/admin/schedules/nope", { method: "PUT", json: { cron: "0 * * * *" } })).status,
    ).toBe(404);
    expect((await t.api("/admin/schedules", { headers: { authorization: "Bearer nope" } })).status).toBe(401);
  });
});

describe("POST /triggers/:jobType", () => {
  let sources: string[];
  beforeAll(async () => {
    sources = [await addSource(t.db.db, t.orgId, "u1"), await addSource(t.db.db, t.orgId, "u2")];
  });

  test("a signed delivery fans out: one low-priority job per source", async () => {
    const d = await qstash.deliver(id("scrape"), {});
    expect(d.status).toBe(202);
    for (const s of sources) {
      const [job] = await eventually(async () => {
        const j = await jobsFor(t.db.db, `scrape:${s}`);
        return j.length ? j : null;
      });
      expect(job).toMatchObject({ priority: "low", payload: { sourceId: s } });
    }
    await eventually(async () => (await scheduleOf(t, "scrape")).lastRunAt !== null);
  });

  test("a redelivered Upstash-Message-Id fans out once", async () => {
    const messageId = "msg_redelivered_1";
    const first = await qstash.deliver(id("scrape"), { messageId });
    const second = await qstash.deliver(id("scrape"), { messageId, retried: 1 });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ duplicate: true });
    const queue = schedulerQueue(t.service.redis, prefix);
    try {
      const fanOuts = await eventually(async () => {
        const all = await queue.getJobs(["completed", "waiting", "active", "delayed"]);
        const mine = all.filter((j) => j.data.messageId === messageId);
        return mine.length && mine.every((j) => j.finishedOn) ? mine : null;
      });
      expect(fanOuts).toHaveLength(1);
    } finally {
      await queue.close();
    }
  });

  test("unsigned, forged, wrong-URL and replayed signatures are refused with 401", async () => {
    const url = `${t.url}/triggers/scrape`;
    const body = JSON.stringify({ jobType: "scrape" });
    const post = (signature?: string) =>
      fetch(url, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          ...(signature ? { "upstash-signature": signature } : {}),
          "upstash-message-id": `msg_${Math.random()}`,
        },
      });
    expect((await post()).status).toBe(401);
    const forged = await signRequest({ key: "not-our-key", url: `${PUBLIC_URL}/triggers/scrape`, body });
    expect((await post(forged)).status).toBe(401);
    const elsewhere = await signRequest({
      key: SIGNING_KEY,
      url: `${PUBLIC_URL}/triggers/analytics-sync`,
      body,
    });
    expect((await post(elsewhere)).status).toBe(401);
    const good = await signRequest({ key: SIGNING_KEY, url: `${PUBLIC_URL}/triggers/scrape`, body });
    expect((await post(good)).status).toBe(202);
    const replay = await post(good);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toMatch(/replayed/);
  });

  test("the next signing key is accepted too (key rotation)", async () => {
    const d = await qstash.deliver(id("scrape"), { key: "sig_next_test_key" });
    expect(d.status).toBe(202);
  });

  test("a delivery for a disabled schedule runs nothing", async () => {
    await addAccount(t.db.db, t.orgId, "u1");
    // A schedule the console still has while the table says disabled.
    const res = await t.api("/admin/schedules/analytics-sync", {
      method: "PUT",
      json: { cron: "30 * * * *", enabled: false },
    });
    expect(res.status).toBe(200);
    qstash.schedules.set(id("analytics-sync"), {
      scheduleId: id("analytics-sync"),
      cron: "CRON_TZ=UTC 30 * * * *",
      destination: `${PUBLIC_URL}/triggers/analytics-sync`,
      method: "POST",
      header: { "Content-Type": ["application/json"] },
      body: JSON.stringify({ jobType: "analytics-sync" }),
      retries: 3,
      createdAt: Date.now(),
      isPaused: false,
    });
    const d = await qstash.deliver(id("analytics-sync"), {});
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ skipped: "disabled" });
  });
});

describe("QStash unreachable", () => {
  test("the service still starts; a change is saved and answered with synced: false", async () => {
    const down = await startFakeQstash({ token: "qstash-test-token", signingKey: SIGNING_KEY });
    const downUrl = down.url;
    await down.close();
    const port = await freePort();
    const s = await startTestService({
      keepSchedules: true,
      catalog: standInCatalog,
      env: {
        SCHEDULER: "qstash",
        QSTASH_URL: downUrl,
        QSTASH_TOKEN: "qstash-test-token",
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        PORT: String(port),
      },
    });
    try {
      const res = await s.api("/admin/schedules/scrape", { method: "PUT", json: { cron: "0 3 * * *" } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { synced: boolean; syncError?: string; schedule: { cron: string } };
      expect(body).toMatchObject({ synced: false, schedule: { cron: "0 3 * * *" } });
      expect(body.syncError).toBeTruthy();
    } finally {
      await s.stop();
    }
  });
});
