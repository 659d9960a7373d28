// GET /v1/content and /v1/content/:id on the API's own stack (API-key auth, zod-openapi validation, error
// handler) over real Postgres: newest first, filters, cursor pages, and another organization's item → 404.
import { OpenAPIHono } from "@hono/zod-openapi";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createOrg } from "../../db/queries/orgs.js";
import { contentItems } from "../../db/schema.js";
import { apiKeyAuth } from "../../src/api/auth.js";
import type { ApiEnv } from "../../src/api/deps.js";
import { apiErrorHandler } from "../../src/api/errors.js";
import { registerContentRoutes } from "../../src/api/routes/content.js";
import { validationHook } from "../../src/api/validation-hook.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

let db: TestDatabase;
let app: OpenAPIHono<ApiEnv>;
let keyA: string;
let keyB: string;
let orgA: string;
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;

beforeAll(async () => {
  db = await createTestDatabase();
  const a = await createOrg(db.db, "a");
  const b = await createOrg(db.db, "b");
  keyA = a.apiKey;
  keyB = b.apiKey;
  orgA = a.org.id;
  app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.onError(apiErrorHandler(silent));
  app.use("/v1/*", apiKeyAuth(db.db));
  registerContentRoutes(app, { db: db.db });
  const base = Date.parse("2025-03-01T10:00:00Z");
  await db.db.insert(contentItems).values(
    Array.from({ length: 5 }, (_, i) => ({
      id: `cnt_${i}`,
      orgId: orgA,
      userId: i < 3 ? "u1" : "u2",
      jobId: i < 4 ? "job_1" : "job_2",
      platform: i % 2 ? "twitter" : "linkedin",
      variation: i,
      text: `post ${i}`,
      hashtags: ["Tag"],
      generator: "openai",
      model: "gpt-4o-mini",
      promptTokens: 10,
      completionTokens: 5,
      costUsd: 0.00001,
      createdAt: new Date(base + i * 1000),
    })),
  );
});
afterAll(() => db.close());

const get = (path: string, key = keyA) => app.request(path, { headers: { authorization: `Bearer ${key}` } });

test("the library is listed newest first, page by page", async () => {
  const first = await (await get("/v1/content?limit=2")).json();
  expect(first.items.map((i: { id: string }) => i.id)).toEqual(["cnt_4", "cnt_3"]);
  expect(first.items[0]).toMatchObject({
    platform: "linkedin",
    text: "post 4",
    hashtags: ["Tag"],
    status: "draft",
    generator: "openai",
    usage: { promptTokens: 10, completionTokens: 5 },
    createdAt: "2025-03-01T10:00:04.000Z",
  });
  const second = await (await get(`/v1/content?limit=2&cursor=${first.nextCursor}`)).json();
  expect(second.items.map((i: { id: string }) => i.id)).toEqual(["cnt_2", "cnt_1"]);
  const last = await (await get(`/v1/content?limit=2&cursor=${second.nextCursor}`)).json();
  expect(last).toMatchObject({ items: [{ id: "cnt_0" }], nextCursor: null });
});

test("filters by user, job and platform; a bad platform is a 400 naming it", async () => {
  const ids = async (q: string) =>
    ((await (await get(`/v1/content?${q}`)).json()).items as { id: string }[]).map((i) => i.id);
  expect(await ids("userId=u2")).toEqual(["cnt_4", "cnt_3"]);
  expect(await ids("jobId=job_1&platform=twitter")).toEqual(["cnt_3", "cnt_1"]);
  const bad = await get("/v1/content?platform=myspace");
  expect(bad.status).toBe(400);
  expect((await bad.json()).error.fields[0].path).toBe("platform");
});

test("one item by id; another organization's is 404", async () => {
  const res = await get("/v1/content/cnt_2");
  expect(res.status).toBe(200);
  expect((await res.json()).content).toMatchObject({
    id: "cnt_2",
    userId: "u1",
    jobId: "job_1",
    text: "post 2",
  });
  const other = await get("/v1/content/cnt_2", keyB);
  expect(other.status).toBe(404);
  expect((await other.json()).error.code).toBe("not_found");
  expect((await (await get("/v1/content", keyB)).json()).items).toEqual([]);
});
