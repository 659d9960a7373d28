// The handler kit refuses every bad signature with 401 (real HS256 tokens, the real Receiver), and maps
// typed errors to the answer table.
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseHandlerConfig } from "../../handlers/config.js";
import { createHandlersApp } from "../../handlers/kit/app.js";
import { signRequest } from "../../handlers/kit/signature.js";
import { createLogger } from "../../src/logger.js";
import { nodeAdapter } from "../../src/runtime/node-adapter.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";
import { testCatalog } from "../helpers/test-types.js";

const BASE = "https://handlers.example.com/handlers";
let db: TestDatabase;
let redis: TestRedis;
let app: ReturnType<typeof createHandlersApp>;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await createTestRedis();
  const config = parseHandlerConfig({
    HANDLERS_URL: BASE,
    QSTASH_CURRENT_SIGNING_KEY: "current-key",
    QSTASH_NEXT_SIGNING_KEY: "next-key",
  });
  app = createHandlersApp({
    catalog: testCatalog,
    adapter: nodeAdapter({
      db: db.db,
      redis: redis.client,
      prefix: redis.prefix,
      config,
      log: createLogger({ level: "silent" }),
    }),
  });
});
afterAll(async () => {
  await redis.cleanup();
  await db.close();
});

const envelope = (payload: unknown, type = "echo") =>
  JSON.stringify({ jobId: "job_1", type, orgId: "org_1", userId: "u1", attempt: 1, maxAttempts: 4, payload });

function post(body: string, signature: string | null, type = "echo") {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["upstash-signature"] = signature;
  return app.request(`/${type}`, { method: "POST", body, headers });
}

describe("signatures", () => {
  test("a valid signature with the current key, and one with the next key, are accepted", async () => {
    const body = envelope({ value: "hi" });
    const r1 = await post(body, await signRequest({ key: "current-key", url: `${BASE}/echo`, body }));
    expect(r1.status).toBe(200);
    expect(await r1.json()).toMatchObject({ echo: "hi" });
    const r2 = await post(body, await signRequest({ key: "next-key", url: `${BASE}/echo`, body }));
    expect(r2.status).toBe(200);
  });

  test("missing, forged, tampered-body, expired, wrong-URL and replayed signatures are 401", async () => {
    const body = envelope({ value: "hi" });
    expect((await post(body, null)).status).toBe(401);
    expect(
      (await post(body, await signRequest({ key: "someone-elses", url: `${BASE}/echo`, body }))).status,
    ).toBe(401);
    const sig = await signRequest({ key: "current-key", url: `${BASE}/echo`, body });
    expect((await post(envelope({ value: "tampered" }), sig)).status).toBe(401);
    const expired = await signRequest({
      key: "current-key",
      url: `${BASE}/echo`,
      body,
      nowMs: Date.now() - 3_600_000,
      ttlSeconds: 60,
    });
    expect((await post(body, expired)).status).toBe(401);
    const wrongUrl = await signRequest({
      key: "current-key",
      url: "https://evil.example.com/handlers/echo",
      body,
    });
    expect((await post(body, wrongUrl)).status).toBe(401);
    const once = await signRequest({ key: "current-key", url: `${BASE}/echo`, body });
    expect((await post(body, once)).status).toBe(200);
    const replay = await post(body, once);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toMatch(/replay/);
  });

  test("a token with a wrong issuer is refused", async () => {
    const body = envelope({ value: "hi" });
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
    const token = await new SignJWT({ body: Buffer.from(digest).toString("base64url") })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("NotUpstash")
      .setSubject(`${BASE}/echo`)
      .setIssuedAt()
      .setExpirationTime("5m")
      .setJti("jti-x")
      .sign(new TextEncoder().encode("current-key"));
    expect((await post(body, token)).status).toBe(401);
  });
});

describe("answers", () => {
  const signed = async (payload: unknown, type = "scripted") => {
    const body = envelope(payload, type).replace('"job_1"', `"job_${crypto.randomUUID()}"`);
    return post(body, await signRequest({ key: "current-key", url: `${BASE}/${type}`, body }), type);
  };

  test("a bad payload is 400 naming the field", async () => {
    const res = await signed({ script: "not-an-array" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { fields: { path: string }[] } }).error.fields[0]!.path).toBe(
      "payload.script",
    );
  });

  test("typed errors map to 422, 503, 429 + Retry-After, and a crash to 500", async () => {
    expect((await signed({ script: ["422"] })).status).toBe(422);
    expect((await signed({ script: ["503"] })).status).toBe(503);
    const limited = await signed({ script: ["429:7"] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect((await signed({ script: ["boom"] })).status).toBe(500);
  });

  test("handlers missing a setting answer 503 naming it (the relay retries), never 500", async () => {
    const unconfigured = createHandlersApp({
      catalog: testCatalog,
      adapter: nodeAdapter({
        db: db.db,
        redis: redis.client,
        prefix: redis.prefix,
        config: parseHandlerConfig({ QSTASH_CURRENT_SIGNING_KEY: "current-key" }),
        log: createLogger({ level: "silent" }),
      }),
    });
    const body = envelope({ value: "hi" });
    const signature = await signRequest({ key: "current-key", url: `${BASE}/echo`, body });
    const res = await unconfigured.request("/echo", {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "upstash-signature": signature },
    });
    expect(res.status).toBe(503);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("handlers_unconfigured");
    expect(error.message).toContain("HANDLERS_URL");
  });

  test("an unknown type is 404", async () => {
    const body = envelope({}, "nope");
    expect(
      (await post(body, await signRequest({ key: "current-key", url: `${BASE}/nope`, body }), "nope")).status,
    ).toBe(404);
  });
});

describe("the relay's node:crypto signer", () => {
  test("its tokens verify like jose's, and a tampered body is still refused", async () => {
    const { signRequestNode } = await import("../../src/relay/sign.js");
    const body = envelope({ value: "node" });
    expect(
      (await post(body, signRequestNode({ key: "current-key", url: `${BASE}/echo`, body }))).status,
    ).toBe(200);
    const sig = signRequestNode({ key: "next-key", url: `${BASE}/echo`, body });
    expect((await post(envelope({ value: "changed" }), sig)).status).toBe(401);
    expect((await post(body, sig)).status).toBe(200);
    expect((await post(body, sig)).status).toBe(401); // replayed
  });
});
