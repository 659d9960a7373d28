// The AI provider's failures as the relay sees them (ARCHITECTURE's answer table): 429 with the provider's
// wait, 503 on 5xx and dropped connections (a later delivery succeeds), 422 with a code on 401 and 400.
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { newId } from "../../handlers/kit/ids.js";
import { apiError, completion } from "../fakes/openai-server.js";
import { type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.openai.requests.length = 0;
});

const x = { twitter: [{ text: "Short post.", hashtags: [] }] };
const payload = { topic: "Solar", platforms: ["twitter"] };
const rateLimited = {
  message: "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3.",
  type: "requests",
  code: "rate_limit_exceeded",
};

test("429 with retry-after answers 429 with the provider's wait and saves nothing", async () => {
  h.openai.enqueue(apiError(429, rateLimited, { "retry-after": "7" }));
  const jobId = newId("job");
  const res = await h.deliver(payload, { jobId });
  expect(res.status).toBe(429);
  expect(res.headers.get("retry-after")).toBe("7");
  expect(res.headers.get("retry-after-ms")).toBe("7000");
  expect((await res.json()).error).toMatchObject({
    code: "rate_limited",
    message: expect.stringContaining("Rate limit reached"),
  });
  expect(h.openai.requests).toHaveLength(1); // the SDK did not retry by itself
  expect(await h.items(jobId)).toEqual([]);
});

test("429 with retry-after-ms is passed on to the millisecond", async () => {
  h.openai.enqueue(apiError(429, rateLimited, { "retry-after-ms": "1500", "retry-after": "2" }));
  const res = await h.deliver(payload);
  expect(res.status).toBe(429);
  expect(res.headers.get("retry-after-ms")).toBe("1500");
  expect(res.headers.get("retry-after")).toBe("2");
});

test("429 for an exhausted quota fails the job at once: waiting will not help", async () => {
  h.openai.enqueue(
    apiError(429, {
      message: "You exceeded your current quota, please check your plan and billing details.",
      type: "insufficient_quota",
      code: "insufficient_quota",
    }),
  );
  const res = await h.deliver(payload);
  expect(res.status).toBe(422);
  expect((await res.json()).error.code).toBe("ai_quota_exceeded");
});

test("500 answers 503; the next delivery of the same job succeeds", async () => {
  h.openai.enqueue(
    apiError(500, {
      message: "The server had an error while processing your request.",
      type: "server_error",
    }),
    completion(x),
  );
  const jobId = newId("job");
  const first = await h.deliver(payload, { jobId });
  expect(first.status).toBe(503);
  expect((await first.json()).error.code).toBe("ai_unavailable");
  expect(await h.items(jobId)).toEqual([]);
  const second = await h.deliver(payload, { jobId, attempt: 2 });
  expect(second.status).toBe(200);
  expect(await h.items(jobId)).toHaveLength(1);
});

test("a dropped connection answers 503", async () => {
  h.openai.enqueue({ kind: "drop" });
  const res = await h.deliver(payload);
  expect(res.status).toBe(503);
});

test("a provider that does not answer in OPENAI_TIMEOUT_MS answers 503", async () => {
  h.openai.enqueue({ kind: "hang" });
  const started = Date.now();
  const res = await h.deliver(payload, { env: { OPENAI_TIMEOUT_MS: "300" } });
  expect(res.status).toBe(503);
  expect((await res.json()).error.code).toBe("ai_unavailable");
  expect(Date.now() - started).toBeLessThan(3000);
});

test("401 answers 422 ai_credentials_rejected", async () => {
  const res = await h.deliver(payload, { env: { OPENAI_API_KEY: "sk-revoked" } });
  expect(res.status).toBe(422);
  expect(await res.json()).toEqual({
    error: { code: "ai_credentials_rejected", message: "AI provider rejected the credentials" },
  });
});

test("400 (content policy) answers 422 with the provider's reason in plain words", async () => {
  const reason = "Your request was rejected as a result of our safety system.";
  h.openai.enqueue(
    apiError(400, { message: reason, type: "invalid_request_error", code: "content_policy_violation" }),
  );
  const res = await h.deliver(payload);
  expect(res.status).toBe(422);
  const { error } = await res.json();
  expect(error.code).toBe("ai_content_policy");
  expect(error.message).toContain(reason);
  expect(error.message).not.toMatch(/^400/);
});

test("400 (invalid request) answers 422 ai_invalid_request with the reason", async () => {
  const reason = "Invalid schema for response_format 'platform_posts'.";
  h.openai.enqueue(apiError(400, { message: reason, type: "invalid_request_error", code: null }));
  const res = await h.deliver(payload);
  expect(res.status).toBe(422);
  expect((await res.json()).error).toEqual({
    code: "ai_invalid_request",
    message: `The AI provider refused the request: ${reason}`,
  });
});

test("a model refusal answers 422 with the refusal", async () => {
  h.openai.enqueue(completion(null, { refusal: "I can't help with that." }));
  const res = await h.deliver(payload);
  expect(res.status).toBe(422);
  expect((await res.json()).error).toMatchObject({
    code: "ai_refused",
    message: expect.stringContaining("I can't help with that."),
  });
});
