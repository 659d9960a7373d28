// Traceable, secret-free logs through the real service: a request id flows API → job → relay → handler
// and is on every line about the job; known secrets written through every path never reach the logs.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { defineJobType } from "../../handlers/kit/define.js";
import { PermanentError } from "../../handlers/kit/errors.js";
import { parseConfig } from "../../src/config.js";
import { configSecrets, createLogger, redactConfig, rememberSecrets } from "../../src/logger.js";
import { eventually } from "../helpers/eventually.js";
import { ADMIN_TOKEN, jobOf, startTestService, type TestService } from "../helpers/service.js";
import { echo, scripted } from "../helpers/test-types.js";

// Secrets the service is configured with.
const CONFIG_SECRETS = {
  METRICS_TOKEN: "metrics-SECRET-4f9a8b7c6d5e",
  OPENAI_API_KEY: "sk-proj-SECRETopenaiKey0123456789abcdef",
  NOTIFY_WEBHOOK_SECRET: "whsec-SECRET-0a1b2c3d4e5f6789",
  X_CLIENT_SECRET: "x-client-SECRET-77aa88bb99cc",
  TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
};
// Secrets that only pass through: users' OAuth tokens, a database password inside an error.
const OAUTH_TOKEN = "ya29-SECRET-oauth-access-0123456789";
const REFRESH_TOKEN = "rt-SECRET-refresh-9876543210";
const DB_PASSWORD = "dbPa55-SECRET-word";
const FOREIGN_API_KEY = "fw_0123456789ab_SECRETnotARealKeyButShapedLikeOne00000";

/** Fails with upstream text that leaks secrets the way real upstream errors do; logs through ctx.log. */
const leaky = defineJobType({
  type: "leaky",
  payload: z.object({ mode: z.enum(["permanent", "crash", "ok"]) }),
  timeoutMs: 5_000,
  async run(ctx, job) {
    ctx.log.info({ step: "calling upstream" }, "leaky handler working");
    const text =
      `upstream 401 for Authorization: Bearer ${OAUTH_TOKEN}; retried with ` +
      `https://api.example.test/oauth?grant_type=refresh_token&refresh_token=${REFRESH_TOKEN}; ` +
      `body {"access_token":"${OAUTH_TOKEN}"}; db postgres://app:${DB_PASSWORD}@db.internal:5432/app; ` +
      `openai key ${CONFIG_SECRETS.OPENAI_API_KEY}`;
    if (job.payload.mode === "permanent") throw new PermanentError("token_revoked", text);
    if (job.payload.mode === "crash") throw new Error(text);
    return { ok: true };
  },
});

let t: TestService;
beforeAll(async () => {
  t = await startTestService({
    env: { ...CONFIG_SECRETS, RETRY_DELAYS_MS: "50" },
    catalog: createCatalog([echo, scripted, leaky]),
  });
});
afterAll(() => t.stop());

async function enqueue(payload: unknown, headers: Record<string, string> = {}) {
  const res = await t.api("/v1/jobs", {
    method: "POST",
    json: { type: "leaky", userId: "u1", payload },
    headers,
  });
  expect(res.status).toBe(202);
  return {
    id: ((await res.json()) as { job: { id: string } }).job.id,
    requestId: res.headers.get("x-request-id"),
  };
}

/** A logger set up like the service's, writing into an array. */
function capturingLogger() {
  const lines: string[] = [];
  const log = createLogger({
    destination: new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  return { log, lines };
}

const parsed = () =>
  t.logs.flatMap((l) => l.split("\n").filter(Boolean)).map((l) => JSON.parse(l) as Record<string, unknown>);

describe("request id", () => {
  test("flows API → job → relay → handler and is on every line about the job", async () => {
    const requestId = "req-trace-7f3a9c";
    const { id, requestId: echoed } = await enqueue({ mode: "ok" }, { "x-request-id": requestId });
    expect(echoed).toBe(requestId);
    await eventually(async () => (await jobOf(t, id)).status === "completed");
    const lines = await eventually(() => {
      const found = parsed().filter((l) => l.jobId === id);
      return found.some((l) => l.msg === "job attempt") ? found : null;
    });
    const msgs = lines.map((l) => l.msg);
    expect(msgs).toEqual(expect.arrayContaining(["job enqueued", "leaky handler working", "job attempt"]));
    for (const l of lines) expect(l.requestId, `${l.msg}`).toBe(requestId);
    const handlerLine = lines.find((l) => l.msg === "leaky handler working")!;
    expect(handlerLine).toMatchObject({ jobId: id, type: "leaky", attempt: 1, step: "calling upstream" });
    const request = parsed().find((l) => l.msg === "request" && l.requestId === requestId);
    expect(request).toMatchObject({ method: "POST", path: "/v1/jobs", status: 202, orgId: t.orgId });
  });

  test("a request without one gets a generated id, stored on the job", async () => {
    const { id, requestId } = await enqueue({ mode: "ok" });
    expect(requestId).toMatch(/.{8,}/);
    await eventually(async () => (await jobOf(t, id)).status === "completed");
    const attempt = await eventually(() => parsed().find((l) => l.msg === "job attempt" && l.jobId === id));
    expect(attempt.requestId).toBe(requestId);
  });
});

describe("secrets never reach the logs", () => {
  test("config dump, API credentials, failing and crashing jobs, careless dumps", async () => {
    // The start-up config dump happened; it names the keys but not their values.
    const dump = parsed().find((l) => l.msg === "configuration") as { config: Record<string, unknown> };
    expect(dump.config.METRICS_TOKEN).toBe("[redacted]");
    expect(dump.config.ADMIN_TOKEN).toBe("[redacted]");
    expect(dump.config.REDIS_PREFIX).toBe(t.redis.prefix);

    // API requests carrying credentials: a good key, a wrong key, the admin token as Bearer and basic auth,
    // a token in the query string, a metrics scrape.
    await t.api(`/v1/jobs?access_token=${OAUTH_TOKEN}`);
    await t.api("/v1/jobs", { key: FOREIGN_API_KEY });
    await t.api("/admin/orgs", { method: "POST", json: { name: "x" } });
    const basic = Buffer.from(`ops:${ADMIN_TOKEN}`).toString("base64");
    await fetch(`${t.url}/admin/queues/api/queues`, { headers: { authorization: `Basic ${basic}` } });
    await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${CONFIG_SECRETS.METRICS_TOKEN}` } });
    await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${FOREIGN_API_KEY}` } });

    // Jobs failing and crashing with secrets in their error text.
    const permanent = await enqueue({ mode: "permanent" });
    const crash = await enqueue({ mode: "crash" });
    await eventually(async () => (await jobOf(t, permanent.id)).status === "failed");
    await eventually(async () => (await jobOf(t, crash.id)).status === "failed", { timeoutMs: 15_000 });

    // A careless dump of the whole config and of request headers, through the same logger setup.
    const { log: careless, lines: extra } = capturingLogger();
    careless.info({ config: t.service.config }, "careless config dump");
    careless.info(
      { headers: { authorization: `Bearer ${OAUTH_TOKEN}`, cookie: `session=${OAUTH_TOKEN}` } },
      "hdrs",
    );
    careless.warn(`connect failed: postgres://app:${DB_PASSWORD}@db.internal/app`);

    const all = [...t.logs, ...extra].join("");
    // The failures were logged (the test is not vacuous) ...
    const failLine = parsed().find(
      (l) => l.msg === "job attempt" && l.jobId === permanent.id && l.outcome === "failed",
    );
    expect(String(failLine?.error)).toContain("upstream 401");
    expect(all).toContain("careless config dump");
    // ... and no secret is anywhere.
    const secrets = [
      ADMIN_TOKEN,
      t.apiKey,
      FOREIGN_API_KEY,
      OAUTH_TOKEN,
      REFRESH_TOKEN,
      DB_PASSWORD,
      "sig_current_test_key",
      "sig_next_test_key",
      basic,
      ...Object.values(CONFIG_SECRETS),
      Buffer.alloc(32, 7).toString("base64").replace(/=+$/, ""),
    ];
    for (const s of secrets) {
      const leak = all.split("\n").find((l) => l.includes(s));
      expect(leak, `secret ${s.slice(0, 12)}… leaked`).toBeUndefined();
    }
  });

  test("values under secret keys are censored by key, whatever they look like, without touching the caller's object", () => {
    const { log, lines } = capturingLogger();
    // Values no text pattern would recognise: only their keys say they are secrets.
    const fields = {
      jobId: "job_1",
      apiKey: "opaque-one",
      req: { method: "GET", headers: { Authorization: "opaque-two", "x-request-id": "r1" } },
      accounts: [{ id: "a1", accessToken: "opaque-three" }],
      upstream: { privateKey: "opaque-four", host: "db.internal" },
    };
    const before = structuredClone(fields);
    log.info(fields, "dump");
    log.child({ signingKey: "opaque-five", role: "relay" }).info({ clientSecret: "opaque-six" }, "child");
    expect(fields).toEqual(before);
    const [dump, child] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(dump).toMatchObject({
      jobId: "job_1",
      apiKey: "[redacted]",
      req: { method: "GET", headers: { Authorization: "[redacted]", "x-request-id": "r1" } },
      accounts: [{ id: "a1", accessToken: "[redacted]" }],
      upstream: { privateKey: "[redacted]", host: "db.internal" },
    });
    expect(child).toMatchObject({ role: "relay", signingKey: "[redacted]", clientSecret: "[redacted]" });
    expect(lines.join("")).not.toMatch(/opaque-/);
  });

  test("a database password in DATABASE_URL is kept out of config dumps", () => {
    const config = parseConfig({
      DATABASE_URL: `postgres://app:${DB_PASSWORD}@db.internal:5432/app`,
      ADMIN_TOKEN,
    });
    rememberSecrets(configSecrets(config));
    const { log, lines } = capturingLogger();
    log.info({ config: redactConfig(config) }, "configuration");
    log.info({ raw: config }, "raw");
    log.error({ err: `ECONNREFUSED postgres://app:${DB_PASSWORD}@db.internal:5432/app` }, "pg down");
    const text = lines.join("");
    expect(text).toContain("postgres://app:***@db.internal:5432/app");
    expect(text).not.toContain(DB_PASSWORD);
  });
});
