// Pause and resume through the admin API, with two relays: paused jobs wait (waitingOn paused, no
// attempt, no call), enqueues are still accepted, other work runs; removing the pause wakes them.
import { afterAll, beforeAll, expect, test } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { ADMIN_TOKEN, startTestService, type TestService } from "../helpers/service.js";
import { calls } from "../helpers/test-types.js";

let t: TestService;
let second: TestService;
let otherOrg: { apiKey: string; org: { id: string } };
beforeAll(async () => {
  t = await startTestService();
  second = await startTestService({ db: t.db, redis: t.redis }); // a second relay on the same queues
  otherOrg = (await (
    await t.api("/admin/orgs", { method: "POST", json: { name: "other" } })
  ).json()) as typeof otherOrg;
});
afterAll(async () => {
  await second?.stop();
  await t?.stop();
});

interface JobBody {
  job: { id: string; status: string; attempts: number; waitingOn: { reason: string; key: string } | null };
}

async function post(type: string, payload: unknown, key?: string): Promise<string> {
  const res = await t.api("/v1/jobs", { method: "POST", key, json: { type, userId: "u1", payload } });
  expect(res.status).toBe(202);
  return ((await res.json()) as JobBody).job.id;
}
const view = async (id: string, key?: string) =>
  ((await (await t.api(`/v1/jobs/${id}`, { key })).json()) as JobBody).job;

async function pause(body: object): Promise<string> {
  const res = await t.api("/admin/pauses", { method: "POST", json: body });
  expect(res.status).toBe(201);
  return ((await res.json()) as { pause: { id: string } }).pause.id;
}
const resume = async (id: string) =>
  expect((await t.api(`/admin/pauses/${id}`, { method: "DELETE" })).status).toBe(200);

test("a paused type waits, the other types run; resuming wakes it", async () => {
  const id = await pause({ type: "echo", note: "provider outage" });
  const listed = (await (await t.api("/admin/pauses")).json()) as { items: { id: string; key: string }[] };
  expect(listed.items).toContainEqual(expect.objectContaining({ id, key: "echo/*" }));
  const paused = await post("echo", { value: "held" });
  const other = await post("scripted", { script: ["ok"] });
  await eventually(async () => (await view(other)).status === "completed");
  const waiting = await eventually(async () => {
    const j = await view(paused);
    return j.waitingOn ? j : null;
  });
  expect(waiting).toMatchObject({
    status: "queued",
    attempts: 0,
    waitingOn: { reason: "paused", key: "echo/*" },
  });
  expect(calls.get(paused)).toBeUndefined();
  const metrics = await (await t.api("/metrics", { key: ADMIN_TOKEN })).text();
  expect(metrics).toMatch(/flywheel_jobs_waiting\{reason="paused"\} [1-9]/);
  await resume(id);
  const done = await eventually(async () => {
    const j = await view(paused);
    return j.status === "completed" ? j : null;
  });
  expect(done).toMatchObject({ attempts: 1, waitingOn: null });
});

test("an organization, and a type within an organization, pause only their own jobs", async () => {
  const org = await pause({ orgId: otherOrg.org.id });
  const held = await post("echo", { value: "other org" }, otherOrg.apiKey);
  const free = await post("echo", { value: "this org" });
  await eventually(async () => (await view(free)).status === "completed");
  await eventually(async () => (await view(held, otherOrg.apiKey)).waitingOn?.key === `*/${otherOrg.org.id}`);
  const typeInOrg = await pause({ type: "scripted", orgId: t.orgId });
  await resume(org);
  await eventually(async () => (await view(held, otherOrg.apiKey)).status === "completed");
  const scriptedHere = await post("scripted", { script: ["ok"] });
  const echoHere = await post("echo", { value: "runs" });
  await eventually(async () => (await view(echoHere)).status === "completed");
  await eventually(async () => (await view(scriptedHere)).waitingOn?.reason === "paused");
  await resume(typeInOrg);
  await eventually(async () => (await view(scriptedHere)).status === "completed");
});

test("bad pauses are a 400 naming the field, an unknown organization or pause a 404", async () => {
  const bad = await t.api("/admin/pauses", { method: "POST", json: { type: "nope" } });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { fields: { path: string }[] } }).error.fields[0]?.path).toBe(
    "type",
  );
  expect((await t.api("/admin/pauses", { method: "POST", json: { orgId: "org_missing" } })).status).toBe(404);
  expect((await t.api("/admin/pauses/pause_missing", { method: "DELETE" })).status).toBe(404);
});
