// Strings Postgres cannot store (a NUL, an unpaired UTF-16 surrogate) anywhere in a request's body, query,
// path or cursor are a 400 naming the field, checked once for every route, and nothing is stored.
import { afterAll, beforeAll, expect, test } from "vitest";
import { contentGeneration } from "../../handlers/content-generation/index.js";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { startTestService, type TestService } from "../helpers/service.js";
import { echo } from "../helpers/test-types.js";

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ catalog: createCatalog([echo, contentGeneration]) });
});
afterAll(() => t.stop());

async function refused(res: Response): Promise<string[]> {
  const body = (await res.json()) as {
    error: { code: string; fields?: { path: string; message: string }[] };
  };
  expect({ status: res.status, code: body.error.code }).toEqual({ status: 400, code: "invalid_request" });
  return (body.error.fields ?? []).map((f) => f.path);
}

test("a NUL in userId or in the payload's topic is a 400 naming the field; nothing is stored", async () => {
  const enqueue = (json: unknown) => t.api("/v1/jobs", { method: "POST", json });
  expect(await refused(await enqueue({ type: "echo", userId: "u\u0000x", payload: { value: "v" } }))).toEqual(
    ["userId"],
  );
  const topic = { type: "content-generation", userId: "u1", payload: { topic: "Spring\u0000 launch" } };
  expect(await refused(await enqueue(topic))).toEqual(["payload.topic"]);
  const both = await enqueue({
    type: "echo",
    userId: "u\u0000",
    payload: { value: "v", tags: ["ok", "\u0000"] },
  });
  expect(await refused(both)).toEqual(["userId", "payload.tags.1"]);
  const jobs = (await (await t.api("/v1/jobs?limit=200")).json()) as { items: unknown[] };
  expect(jobs.items).toEqual([]);
});

test("an unpaired surrogate is refused too; a paired one (an emoji) is stored as sent", async () => {
  const lone = await t.api("/v1/jobs", {
    method: "POST",
    json: { type: "echo", userId: "u1", payload: { value: "broken \ud83d" } },
  });
  expect(await refused(lone)).toEqual(["payload.value"]);
  const emoji = await t.api("/v1/jobs", {
    method: "POST",
    json: { type: "echo", userId: "u1", payload: { value: "launch \ud83d\ude80" } },
  });
  expect(emoji.status).toBe(202);
  const { job } = (await emoji.json()) as { job: { payload: { value: string } } };
  expect(job.payload.value).toBe("launch 🚀");
});

test("a schema error and a NUL in the same body are named together; a NUL in a key is named by its key", async () => {
  const res = await t.api("/v1/jobs", {
    method: "POST",
    json: { type: "echo", userId: "u1", priority: "urgent", payload: { value: "v", "k\u0000": 1 } },
  });
  expect(await refused(res)).toEqual(["priority", "payload.k\\u0000"]);
});

test("query strings, path parameters and cursors are checked the same way", async () => {
  expect(await refused(await t.api("/v1/jobs?userId=%00"))).toEqual(["userId"]);
  expect(await refused(await t.api("/v1/jobs/job_%00"))).toEqual(["id"]);
  const cursor = Buffer.from("2026-01-01T00:00:00.000Z|job_\u0000").toString("base64url");
  expect(await refused(await t.api(`/v1/jobs?cursor=${cursor}`))).toEqual(["cursor"]);
});
