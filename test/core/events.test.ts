// SSE across instances: the relay's status changes reach a subscriber of another API instance; with no
// subscriber anywhere, no event is written to Redis at all (each command costs on Upstash).
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { eventually } from "../helpers/eventually.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";
import { jobOf, startTestService, type TestService } from "../helpers/service.js";

let db: TestDatabase;
let redis: TestRedis;
let handlers: TestService;
let api: TestService;
let relay: TestService;
let client: Redis;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await createTestRedis();
  client = new Redis(redis.url);
  handlers = await startTestService({ db, redis, env: { ROLE: "handlers" } });
  api = await startTestService({ db, redis, env: { ROLE: "api" } });
  relay = await startTestService({ db, redis, env: { ROLE: "relay", HANDLERS_URL: handlers.url } });
});
afterAll(async () => {
  for (const s of [relay, api, handlers]) await s.stop();
  client.disconnect();
  await redis.cleanup();
  await db.close();
});

async function enqueue(userId: string) {
  const res = await api.api("/v1/jobs", {
    method: "POST",
    json: { type: "echo", userId, payload: { value: "e" } },
  });
  return ((await res.json()) as { job: { id: string } }).job.id;
}

test("no subscriber: the job runs and nothing is written to the event stream", async () => {
  const id = await enqueue("quiet");
  await eventually(async () => (await jobOf(api, id)).status === "completed");
  expect(await client.xlen(`${redis.prefix}:events`)).toBe(0);
});

test("a subscriber on the API instance receives the relay instance's changes within 1 s", async () => {
  const controller = new AbortController();
  const res = await api.api("/v1/events?userId=loud", { signal: controller.signal });
  const reader = res.body!.getReader();
  await reader.read(); // ": connected"
  const id = await enqueue("loud");
  const seen: { status: string; at: number }[] = [];
  let text = "";
  await eventually(async () => {
    const { value } = await reader.read();
    text += new TextDecoder().decode(value);
    for (const m of text.matchAll(/"status":"(\w+)"/g))
      if (!seen.some((s) => s.status === m[1])) seen.push({ status: m[1]!, at: Date.now() });
    return seen.some((s) => s.status === "completed");
  });
  controller.abort();
  expect(text).toContain(id);
  expect(seen.map((s) => s.status)).toEqual(["queued", "active", "completed"]);
  const job = await jobOf(api, id);
  const finished = Date.parse((job as unknown as { finishedAt: string }).finishedAt);
  expect(seen.at(-1)!.at - finished).toBeLessThan(1_000);
});
