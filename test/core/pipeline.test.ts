// The core pipeline end to end: API → BullMQ (real Redis) → relay → signed HTTP → handler → Postgres.
import { Readable } from "node:stream";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { jobOf, startTestService, type TestService } from "../helpers/service.js";

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(() => t.stop());

async function enqueue(body: Record<string, unknown>) {
  const res = await t.api("/v1/jobs", { method: "POST", json: { userId: "u1", ...body } });
  return {
    res,
    body: (await res.json()) as {
      job: { id: string; status: string };
      error?: { fields?: { path: string }[] };
    },
  };
}

async function runsOf(id: string) {
  const res = await t.api(`/v1/jobs/${id}/runs`);
  return (
    (await res.json()) as {
      items: {
        attempt: number;
        outcome: string;
        durationMs: number;
        httpStatus: number | null;
        startedAt: string;
        finishedAt: string;
        error: { code: string | null; message: string | null } | null;
      }[];
    }
  ).items;
}

describe("enqueue and complete", () => {
  test("a job is acknowledged with 202 and completes with the handler's result", async () => {
    const { res, body } = await enqueue({ type: "echo", payload: { value: "hello" } });
    expect(res.status).toBe(202);
    expect(body.job.status).toBe("queued");
    const job = await eventually(async () => {
      const j = await jobOf(t, body.job.id);
      return j.status === "completed" ? j : null;
    });
    expect(job.result).toEqual({ echo: "hello", attempt: 1 });
    const runs = await runsOf(body.job.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ attempt: 1, outcome: "completed", httpStatus: 200 });
    expect(runs[0]!.durationMs).toBeGreaterThanOrEqual(0);
    const line = t.logs.find((l) => l.includes(body.job.id) && l.includes('"job attempt"'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({
      jobId: body.job.id,
      type: "echo",
      attempt: 1,
      outcome: "completed",
      userId: "u1",
    });
  });

  test("a malformed payload is refused with 400 naming the field; nothing is stored", async () => {
    const { res, body } = await enqueue({ type: "echo", payload: { value: 42 } });
    expect(res.status).toBe(400);
    expect(body.error?.fields?.map((f) => f.path)).toContain("payload.value");
    const list = (await (await t.api("/v1/jobs?type=echo&limit=200")).json()) as {
      items: { payload: { value: unknown } }[];
    };
    expect(list.items.some((j) => j.payload.value === 42)).toBe(false);
  });

  test("unknown type, missing userId and bad priority are 400 with fields", async () => {
    const unknown = await enqueue({ type: "nope", payload: {} });
    expect(unknown.res.status).toBe(400);
    expect(unknown.body.error?.fields?.[0]?.path).toBe("type");
    const res = await t.api("/v1/jobs", {
      method: "POST",
      json: { type: "echo", payload: { value: "x" }, priority: "urgent" },
    });
    expect(res.status).toBe(400);
    const fields = ((await res.json()) as { error: { fields: { path: string }[] } }).error.fields.map(
      (f) => f.path,
    );
    expect(fields).toEqual(expect.arrayContaining(["userId", "priority"]));
  });

  test("no or a wrong API key is 401; another organization's job is 404", async () => {
    expect((await t.api("/v1/jobs", { headers: { authorization: "" } })).status).toBe(401);
    expect(
      (await t.api("/v1/jobs", { key: "fw_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }))
        .status,
    ).toBe(401);
    const { body } = await enqueue({ type: "echo", payload: { value: "mine" } });
    const other = await t.api("/admin/orgs", { method: "POST", json: { name: "other" } });
    expect(other.status).toBe(201);
    const { apiKey } = (await other.json()) as { apiKey: string };
    const res = await t.api(`/v1/jobs/${body.job.id}`, { key: apiKey });
    expect(res.status).toBe(404);
    expect((await t.api(`/v1/jobs/${body.job.id}/runs`, { key: apiKey })).status).toBe(404);
    expect((await t.api(`/v1/jobs/${body.job.id}/cancel`, { method: "POST", key: apiKey })).status).toBe(404);
  });

  test("a body over 256 KB is 413, chunked too", async () => {
    const big = "x".repeat(300 * 1024);
    const res = await t.api("/v1/jobs", {
      method: "POST",
      json: { type: "echo", userId: "u1", payload: { value: big } },
    });
    expect(res.status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 30; i++) c.enqueue(new TextEncoder().encode("y".repeat(10 * 1024)));
        c.close();
      },
    });
    const chunked = await t.api("/v1/jobs", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  test("the handlers refuse an envelope over 1 MB, declared or chunked, before checking its signature", async () => {
    // Their own connections: the server answers 413 and closes without reading the rest of the upload.
    const agent = new Agent();
    try {
      const post = (body: string | Readable) =>
        request(`${t.url}/handlers/echo`, {
          method: "POST",
          body,
          headers: { "content-type": "application/json" },
          dispatcher: agent,
        });
      const declared = await post("z".repeat(1024 * 1024 + 10));
      expect(declared.statusCode).toBe(413);
      expect(((await declared.body.json()) as { error: { code: string } }).error.code).toBe(
        "payload_too_large",
      );
      const chunked = await post(Readable.from(Array.from({ length: 120 }, () => "w".repeat(10 * 1024))));
      expect(chunked.statusCode).toBe(413);
      await chunked.body.dump();
      // Under the limit, the same unsigned request reaches the signature check.
      const small = await post("{}");
      expect(small.statusCode).toBe(401);
      await small.body.dump();
    } finally {
      await agent.destroy();
    }
  });
});

describe("retries and the answer table", () => {
  test("transient failures retry at the configured delays, then fail with a notification", async () => {
    const { body } = await enqueue({
      type: "scripted",
      userId: "u-retry",
      payload: { script: ["503", "500", "503", "503"] },
    });
    const job = await eventually(async () => {
      const j = await jobOf(t, body.job.id);
      return j.status === "failed" ? j : null;
    });
    expect(job.attempts).toBe(4);
    const runs = await runsOf(body.job.id);
    expect(runs.map((r) => r.outcome)).toEqual(["retry", "retry", "retry", "failed"]);
    // gaps follow RETRY_DELAYS_MS=100,200,300 (±10 % jitter)
    const gaps = runs.slice(1).map((r, i) => Date.parse(r.startedAt) - Date.parse(runs[i]!.finishedAt));
    expect(gaps[0]).toBeGreaterThanOrEqual(85);
    expect(gaps[1]).toBeGreaterThanOrEqual(175);
    expect(gaps[2]).toBeGreaterThanOrEqual(265);
    const notes = await eventually(async () => {
      const r = (await (await t.api("/v1/notifications?userId=u-retry")).json()) as {
        items: { kind: string; jobId: string; message: string }[];
      };
      return r.items.length ? r.items : null;
    });
    expect(notes[0]).toMatchObject({ kind: "job_failed", jobId: body.job.id });
    expect(notes[0]!.message).toContain(`/v1/jobs/${body.job.id}/retry`);
  });

  test("422 fails after one attempt; 400 too", async () => {
    const { body } = await enqueue({ type: "scripted", payload: { script: ["422"] } });
    const job = await eventually(async () => {
      const j = await jobOf(t, body.job.id);
      return j.status === "failed" ? j : null;
    });
    expect(job.attempts).toBe(1);
    expect(job.error).toMatchObject({ code: "token_revoked" });
  });

  test("429 + Retry-After waits without spending an attempt", async () => {
    const { body } = await enqueue({ type: "scripted", payload: { script: ["429:0.2", "429:0.2", "ok"] } });
    const job = await eventually(async () => {
      const j = await jobOf(t, body.job.id);
      return j.status === "completed" ? j : null;
    });
    expect(job.attempts).toBe(1);
    const runs = await runsOf(body.job.id);
    expect(runs.map((r) => r.outcome)).toEqual(["rate_limited", "rate_limited", "completed"]);
    expect(runs.map((r) => r.attempt)).toEqual([1, 1, 1]);
  });

  test("a timeout is retried", async () => {
    const { body } = await enqueue({ type: "scripted", payload: { script: ["sleep:1500", "ok"] } });
    const job = await eventually(async () => {
      const j = await jobOf(t, body.job.id);
      return j.status === "completed" ? j : null;
    });
    const runs = await runsOf(body.job.id);
    expect(runs[0]).toMatchObject({ outcome: "retry", error: { code: "timeout" } });
    expect(job.attempts).toBe(2);
  });

  test("a handler 401 (signature refused) is retried and logged as an error", async () => {
    const { body } = await enqueue({ type: "scripted", payload: { script: ["401", "ok"] } });
    await eventually(async () => (await jobOf(t, body.job.id)).status === "completed");
    expect(
      t.logs.some((l) => l.includes('"level":"error"') && l.includes(body.job.id) && l.includes("signature")),
    ).toBe(true);
  });
});

describe("idempotency, retry by hand, cancel", () => {
  test("the same idempotency key answers the original job; another payload is 409", async () => {
    const first = await enqueue({ type: "echo", payload: { value: "a" }, idempotencyKey: "k-1" });
    const again = await enqueue({ type: "echo", payload: { value: "a" }, idempotencyKey: "k-1" });
    expect(first.res.status).toBe(202);
    expect(again.res.status).toBe(200);
    expect(again.body.job.id).toBe(first.body.job.id);
    const clash = await enqueue({ type: "echo", payload: { value: "b" }, idempotencyKey: "k-1" });
    expect(clash.res.status).toBe(409);
  });

  test("a failed job retried by hand runs again with fresh attempts", async () => {
    const { body } = await enqueue({ type: "scripted", payload: { script: ["422", "ok"] } });
    await eventually(async () => (await jobOf(t, body.job.id)).status === "failed");
    const res = await t.api(`/v1/jobs/${body.job.id}/retry`, { method: "POST" });
    expect(res.status).toBe(200);
    const job = await eventually(async () => {
      const j = await jobOf(t, body.job.id);
      return j.status === "completed" ? j : null;
    });
    expect(job.attempts).toBe(1);
    expect((await t.api(`/v1/jobs/${body.job.id}/retry`, { method: "POST" })).status).toBe(409);
  });

  test("cancel: a delayed job at once; an active job is aborted and ends cancelled; a completed one is 409", async () => {
    const later = await enqueue({
      type: "echo",
      payload: { value: "later" },
      runAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const c1 = await t.api(`/v1/jobs/${later.body.job.id}/cancel`, { method: "POST" });
    expect(c1.status).toBe(200);
    expect(((await c1.json()) as { job: { status: string } }).job.status).toBe("cancelled");

    const slow = await enqueue({ type: "echo", payload: { value: "slow", delayMs: 5_000 } });
    await eventually(async () => (await jobOf(t, slow.body.job.id)).status === "active");
    const c2 = await t.api(`/v1/jobs/${slow.body.job.id}/cancel`, { method: "POST" });
    expect(c2.status).toBe(200);
    expect(((await c2.json()) as { job: { status: string } }).job.status).toBe("cancelled");
    const runs = await runsOf(slow.body.job.id);
    expect(runs.at(-1)?.outcome).toBe("cancelled");

    const done = await enqueue({ type: "echo", payload: { value: "done" } });
    await eventually(async () => (await jobOf(t, done.body.job.id)).status === "completed");
    expect((await t.api(`/v1/jobs/${done.body.job.id}/cancel`, { method: "POST" })).status).toBe(409);
  });
});

describe("status visible live", () => {
  test("SSE delivers a job's changes with ids, and replays from Last-Event-ID", async () => {
    const controller = new AbortController();
    const res = await t.api("/v1/events?userId=u-sse", { signal: controller.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const { body } = await enqueue({ type: "echo", userId: "u-sse", payload: { value: "live" } });
    let text = "";
    await eventually(
      async () => {
        const { value } = await reader.read();
        text += new TextDecoder().decode(value);
        return text.includes('"status":"completed"');
      },
      { timeoutMs: 10_000 },
    );
    controller.abort();
    expect(text).toContain("event: job");
    expect(text).toContain(body.job.id);
    const ids = [...text.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    // reconnect after the first event: the rest is replayed
    const c2 = new AbortController();
    const replay = await t.api("/v1/events?userId=u-sse", {
      signal: c2.signal,
      headers: { "last-event-id": ids[0]! },
    });
    const r2 = replay.body!.getReader();
    let t2 = "";
    await eventually(async () => {
      const { value } = await r2.read();
      t2 += new TextDecoder().decode(value);
      return t2.includes(ids.at(-1)!);
    });
    c2.abort();
    expect(t2).not.toContain(`id: ${ids[0]}\n`);
  });
});

describe("health", () => {
  test("healthz and readyz", async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});
