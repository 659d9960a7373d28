// The built output (`npm run build`) started with plain `node`, as the Docker image starts it, split by ROLE
// into three processes sharing one Postgres and one Redis: each does only its part (checked over HTTP and in
// Redis: BullMQ workers exist only with the relay), and together they run a job end to end.
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createOrg } from "../../db/queries/orgs.js";
import { catalog } from "../../handlers/catalog.js";
import { newId } from "../../handlers/kit/ids.js";
import { signRequest } from "../../handlers/kit/signature.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { eventually } from "../helpers/eventually.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";
import { type BuiltProcess, buildService, startBuilt } from "./built.js";

const KEYS = { QSTASH_CURRENT_SIGNING_KEY: "sig_deploy_current", QSTASH_NEXT_SIGNING_KEY: "sig_deploy_next" };
const ADMIN_TOKEN = "deploy-admin-token-0123456789";

let build: Awaited<ReturnType<typeof buildService>>;
let db: TestDatabase;
let redis: TestRedis;
let apiKey: string;
let api: BuiltProcess;
let handlers: BuiltProcess | undefined;
let relay: BuiltProcess | undefined;
let jobId: string;
const queues: Queue[] = [];

const env = () => ({
  DATABASE_URL: db.url,
  REDIS_URL: redis.url,
  REDIS_PREFIX: redis.prefix,
  ADMIN_TOKEN,
  DRAIN_DELAY_S: "1",
  ...KEYS,
});

async function workersPerType(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const type of catalog.types()) {
    const q = new Queue(type, { connection: redis.client, prefix: redis.prefix });
    queues.push(q);
    out[type] = await q.getWorkersCount();
  }
  return out;
}

const call = (p: BuiltProcess, path: string, init: RequestInit = {}) =>
  fetch(`${p.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...init.headers },
  });

beforeAll(async () => {
  [build, db, redis] = await Promise.all([buildService(), createTestDatabase(), createTestRedis()]);
  ({ apiKey } = await createOrg(db.db, "deploy-org"));
  api = await startBuilt(build.dir, { ...env(), ROLE: "api" });
}, 120_000);

afterAll(async () => {
  const codes = await Promise.all([relay?.stop(), handlers?.stop(), api?.stop()]);
  await Promise.all(queues.map((q) => q.close()));
  await Promise.all([db?.close(), redis?.cleanup()]);
  build?.remove();
  // Each process drained and exited cleanly on SIGTERM.
  expect(codes.filter((c) => c !== undefined)).toEqual(codes.filter((c) => c !== undefined).map(() => 0));
});

describe("split by ROLE, from the built output", () => {
  test("ROLE=api answers /healthz and /v1, queues jobs, and runs no relay and no handlers", async () => {
    expect((await call(api, "/healthz")).status).toBe(200);
    // As a load balancer would: send traffic once /readyz says both stores answer.
    await eventually(async () => (await call(api, "/readyz")).status === 200, { message: "api ready" });
    expect((await call(api, "/v1/jobs")).status).toBe(200);
    expect((await call(api, "/v1/jobs", { headers: { authorization: "" } })).status).toBe(401);
    expect((await call(api, "/content-generation", { method: "POST", body: "{}" })).status).toBe(404);

    const res = await call(api, "/v1/jobs", {
      method: "POST",
      body: JSON.stringify({
        type: "content-generation",
        userId: "u1",
        payload: { topic: "Split roles", platforms: ["linkedin"] },
      }),
    });
    expect(res.status, `${await res.clone().text()}\n${api.output.join("")}`).toBe(202);
    jobId = ((await res.json()) as { job: { id: string } }).job.id;
    // In Redis: the job waits in its BullMQ queue and no worker listens on any queue.
    const q = new Queue("content-generation", { connection: redis.client, prefix: redis.prefix });
    queues.push(q);
    expect(await q.getJobCounts("wait", "prioritized", "active")).toMatchObject({ active: 0 });
    expect(Object.values(await workersPerType()).every((n) => n === 0)).toBe(true);
    const job = (await (await call(api, `/v1/jobs/${jobId}`)).json()) as { job: { status: string } };
    expect(job.job.status).toBe("queued");
  });

  test("ROLE=handlers answers signed POST /<type> but not /v1, and runs no relay", async () => {
    handlers = await startBuilt(build.dir, { ...env(), ROLE: "handlers" });
    expect(handlers.url).not.toBe(api.url);
    expect((await call(handlers, "/healthz")).status).toBe(200);
    expect((await call(handlers, "/v1/jobs")).status).toBe(404);
    const body = JSON.stringify({
      jobId: newId("job"),
      type: "content-generation",
      orgId: "org_x",
      userId: "u1",
      attempt: 1,
      maxAttempts: 4,
      payload: { topic: "Direct call", platforms: ["twitter"] },
    });
    const unsigned = await call(handlers, "/content-generation", { method: "POST", body });
    expect(unsigned.status).toBe(401);
    // The handlers process verifies against its own URL (HANDLERS_URL unset: where it listens).
    const sig = await signRequest({
      key: KEYS.QSTASH_CURRENT_SIGNING_KEY,
      url: `${handlers.url}/content-generation`,
      body,
    });
    const signed = await call(handlers, "/content-generation", {
      method: "POST",
      body,
      headers: { "upstash-signature": sig },
    });
    expect(signed.status).toBe(200);
    expect(Object.values(await workersPerType()).every((n) => n === 0)).toBe(true);
  });

  test("ROLE=relay serves no API, has a BullMQ worker per type, and runs the queued job through the handlers", async () => {
    relay = await startBuilt(build.dir, { ...env(), ROLE: "relay", HANDLERS_URL: handlers!.url });
    expect((await call(relay, "/healthz")).status).toBe(200);
    expect((await call(relay, "/v1/jobs")).status).toBe(404);
    expect((await call(relay, "/content-generation", { method: "POST", body: "{}" })).status).toBe(404);
    const workers = await eventually(async () => {
      const w = await workersPerType();
      return Object.values(w).every((n) => n > 0) ? w : null;
    });
    expect(Object.keys(workers).sort()).toEqual([...catalog.types()].sort());

    const done = await eventually(
      async () => {
        const j = (await (await call(api, `/v1/jobs/${jobId}`)).json()) as {
          job: { status: string; result: unknown };
        };
        return j.job.status === "completed" ? j.job : null;
      },
      { timeoutMs: 20_000, message: "job completed through api → relay → handlers" },
    );
    expect(done.result).toMatchObject({ generator: "offline" });
  });
});

test("BullMQ worker connections in Redis belong to the relay: they go when it stops, api and handlers still up", async () => {
  const probe = new Redis(redis.url);
  try {
    const clients = String(await probe.client("LIST"));
    // BullMQ names worker connections `${prefix}:${base64(queue)}`; all of them belong to the relay.
    const names = clients
      .split("\n")
      .map((l) => /name=(\S*)/.exec(l)?.[1] ?? "")
      .filter((n) => n.startsWith(`${redis.prefix}:`));
    expect(names.length).toBeGreaterThan(0);
    await relay?.stop();
    await eventually(
      async () => {
        const after = String(await probe.client("LIST"));
        return !after.includes(`name=${redis.prefix}:`);
      },
      { message: "worker connections gone with the relay" },
    );
  } finally {
    probe.disconnect();
  }
});
