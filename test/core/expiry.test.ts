// Expiry: a job still waiting at its expiresAt ends failed with code `expired` (no attempt spent, no
// handler call, the user notified); a scheduled type's expired job is counted on its schedule; bad
// expiresAt values are a 400 naming the field.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { getJob } from "../../db/queries/jobs.js";
import { listNotifications } from "../../db/queries/notifications.js";
import { schedules } from "../../db/schema.js";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { newId } from "../../handlers/kit/ids.js";
import { eventually } from "../helpers/eventually.js";
import { startTestService, type TestService } from "../helpers/service.js";
import { calls, echo, scripted } from "../helpers/test-types.js";
import { scrapeStandIn } from "../schedules/stand-ins.js";

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ catalog: createCatalog([echo, scripted, scrapeStandIn]) });
});
afterAll(async () => t?.stop());

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

test("expiresAt in the past, or not after runAt, is a 400 naming expiresAt", async () => {
  for (const body of [
    { expiresAt: inMs(-1000) },
    { runAt: inMs(60_000), expiresAt: inMs(30_000) },
    { expiresAt: "tomorrow" },
  ]) {
    const res = await t.api("/v1/jobs", {
      method: "POST",
      json: { type: "echo", userId: "u1", payload: { value: "x" }, ...body },
    });
    expect(res.status).toBe(400);
    const err = (await res.json()) as { error: { fields: { path: string }[] } };
    expect(err.error.fields.map((f) => f.path)).toContain("expiresAt");
  }
});

test("a job not started by its expiresAt fails with `expired`: no attempt, no call, the user told", async () => {
  // Every relay slot (RELAY_CONCURRENCY 20) busy for 1.5 s, so the next job waits past its expiry.
  const busy = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      t.api("/v1/jobs", {
        method: "POST",
        json: { type: "echo", userId: `busy${i}`, payload: { value: "busy", delayMs: 1500 } },
      }),
    ),
  );
  expect(busy.every((r) => r.status === 202)).toBe(true);
  await eventually(async () => t.service.relay!.slots("echo").running === 20);
  const res = await t.api("/v1/jobs", {
    method: "POST",
    json: { type: "echo", userId: "u-exp", payload: { value: "late" }, expiresAt: inMs(500) },
  });
  expect(res.status).toBe(202);
  const { job } = (await res.json()) as { job: { id: string; expiresAt: string } };
  expect(job.expiresAt).not.toBeNull();
  const done = await eventually(async () => {
    const row = await getJob(t.db.db, job.id);
    return row?.status === "failed" ? row : null;
  });
  expect(done).toMatchObject({ errorCode: "expired", attempts: 0 });
  expect(calls.get(job.id)).toBeUndefined();
  const notes = await eventually(async () => {
    const all = await listNotifications(t.db.db, { orgId: t.orgId, userId: "u-exp", limit: 10 });
    return all.length ? all : null;
  });
  expect(notes[0]?.jobId).toBe(job.id);
  // The same job with a later expiry runs: a control that it is the expiry that stopped the first.
  const ok = await t.api("/v1/jobs", {
    method: "POST",
    json: { type: "echo", userId: "u-exp", payload: { value: "on time" }, expiresAt: inMs(60_000) },
  });
  const okId = ((await ok.json()) as { job: { id: string } }).job.id;
  await eventually(async () => (await getJob(t.db.db, okId))?.status === "completed");
});

test("a scheduled type's job that expired is counted on its schedule", async () => {
  const before = (await t.db.db.select().from(schedules).where(eq(schedules.jobType, "scrape")))[0]!;
  const [row] = await t.service.lifecycle.enqueue(
    [
      {
        row: {
          id: newId("job"),
          orgId: t.orgId,
          userId: "u1",
          type: "scrape",
          priority: "low",
          payload: { sourceId: "src_expired" },
          dedupKey: "scrape:src_expired",
          maxAttempts: 4,
          expiresAt: new Date(Date.now() + 200),
        },
        delayMs: 700,
      },
    ],
    { actor: "scheduler" },
  );
  await eventually(async () => (await getJob(t.db.db, row!.id))?.status === "failed");
  const after = await eventually(async () => {
    const [s] = await t.db.db.select().from(schedules).where(eq(schedules.jobType, "scrape"));
    return s && s.expiredCount > before.expiredCount ? s : null;
  });
  expect(after.expiredCount).toBe(before.expiredCount + 1);
});
