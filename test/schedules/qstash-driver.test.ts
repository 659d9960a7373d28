// Schedules with the qstash driver against a local server speaking QStash's schedules API: admin changes reach
// QStash (create, update, pause, resume), and POST /triggers/:type refuses invalid and replayed signatures and
// fans out once per Upstash-Message-Id. Console changes: qstash-console.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { signRequest } from "../../handlers/kit/signature.js";
import { QstashDriver } from "../../src/scheduler/qstash-driver.js";
import { schedulerQueue } from "../../src/scheduler/scheduler-queue.js";
import { type FakeQstash, startFakeQstash } from "../fakes/qstash-server.js";
import { eventually } from "../helpers/eventually.js";
import type { TestService } from "../helpers/service.js";
import { startQstashService } from "./qstash-service.js";
import { addAccount, addSource, jobsFor, scheduleOf } from "./targets.js";

let PUBLIC_URL: string;
const SIGNING_KEY = "sig_current_test_key"; // the test service's QSTASH_CURRENT_SIGNING_KEY

let qstash: FakeQstash;
let t: TestService;
let prefix: string;
const id = (type: string) => `${prefix}-${type}`;

beforeAll(async () => {
  qstash = await startFakeQstash({ token: "qstash-test-token", signingKey: SIGNING_KEY });
  ({ t, publicUrl: PUBLIC_URL } = await startQstashService(qstash));
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

  test("a change updates the same schedule; disabling pauses it; enabling resumes it", async () => {
    let res = await t.api("/admin/schedules/scrape", {
      method: "PUT",
      json: { cron: "*/15 * * * *", timezone: "Europe/Paris" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      synced: true,
      schedule: { timezone: "Europe/Paris", source: "api", syncError: null },
    });
    expect(qstash.schedules.get(id("scrape"))?.cron).toBe("CRON_TZ=Europe/Paris */15 * * * *");
    expect([...qstash.schedules.keys()].filter((k) => k.startsWith(prefix))).toHaveLength(2);

    res = await t.api("/admin/schedules/analytics-sync", {
      method: "PUT",
      json: { cron: "0 * * * *", enabled: false },
    });
    expect(res.status).toBe(200);
    expect(qstash.schedules.get(id("analytics-sync"))?.isPaused).toBe(true);
    expect((await scheduleOf(t, "analytics-sync")).nextRunAt).toBeNull();

    res = await t.api("/admin/schedules/analytics-sync", {
      method: "PUT",
      json: { cron: "30 * * * *", enabled: true },
    });
    expect(qstash.schedules.get(id("analytics-sync"))).toMatchObject({
      cron: "CRON_TZ=UTC 30 * * * *",
      isPaused: false,
    });
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
    const { t: s } = await startQstashService({ url: downUrl, token: "qstash-test-token" });
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
