// OpenTelemetry: off and free when OTEL_EXPORTER_OTLP_ENDPOINT is unset (the SDK is never imported);
// when set, a local OTLP/HTTP receiver gets the API request's span and the job's BullMQ spans, in one trace.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createLogger } from "../../src/logger.js";
import { startTracing } from "../../src/observability/tracing.js";
import { eventually } from "../helpers/eventually.js";
import { jobOf, startTestService, type TestService } from "../helpers/service.js";

interface Span {
  name: string;
  traceId: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("tracing off", () => {
  test("an unset endpoint starts nothing, and only otel.ts imports the SDK (lazily)", async () => {
    expect(await startTracing(undefined, createLogger({ level: "silent" }))).toBeNull();
    const importers = filesUnder("src").filter((f) =>
      /from "(@opentelemetry\/[^"]+|bullmq-otel)"/.test(readFileSync(f, "utf8")),
    );
    expect(importers).toEqual([join("src", "observability", "otel.ts")]);
    const staticOtel = filesUnder("src").filter((f) =>
      /from "\.\/otel\.js"|from "\.\.\/observability\/otel\.js"/.test(readFileSync(f, "utf8")),
    );
    expect(staticOtel).toEqual([]);
    expect(readFileSync("src/observability/tracing.ts", "utf8")).toContain('await import("./otel.js")');
  });
});

describe("tracing on", () => {
  let receiver: Server;
  const spans: Span[] = [];
  let t: TestService;
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => {
        raw += c;
      });
      req.on("end", () => {
        if (req.url === "/v1/traces") {
          const body = JSON.parse(raw) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] };
          for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    t = await startTestService({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
  });
  afterAll(async () => {
    await t.stop();
    await new Promise((ok) => receiver.close(ok));
  });

  test("the enqueue request and the job's queue spans reach the collector in one trace", async () => {
    const res = await t.api("/v1/jobs", {
      method: "POST",
      json: { type: "echo", userId: "u1", payload: { value: "traced" } },
      headers: { "x-request-id": "req-otel-1" },
    });
    const { job } = (await res.json()) as { job: { id: string } };
    await eventually(async () => (await jobOf(t, job.id)).status === "completed");
    const request = await eventually(
      () => spans.find((s) => s.attributes?.some((a) => a.value.stringValue === "req-otel-1")),
      { timeoutMs: 15_000 },
    );
    expect(request.name).toBe("POST /v1/jobs");
    const inTrace = await eventually(
      () => {
        const same = spans.filter((s) => s.traceId === request.traceId).map((s) => s.name);
        return same.some((n) => n.includes("process")) ? same : null;
      },
      { timeoutMs: 15_000 },
    );
    expect(inTrace.some((n) => n.startsWith("add") && n.includes("echo"))).toBe(true);
    expect(inTrace.some((n) => n.startsWith("process") && n.includes("echo"))).toBe(true);
  });
});
