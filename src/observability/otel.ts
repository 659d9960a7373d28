// The OpenTelemetry side of tracing.ts, imported only when OTEL_EXPORTER_OTLP_ENDPOINT is set: a Node
// tracer provider exporting OTLP/HTTP to `<endpoint>/v1/traces`, bullmq-otel for queue and worker spans
// (the job's span continues the enqueuing request's trace), and a span per API request.
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { BullMQOtel } from "bullmq-otel";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Tracing } from "./tracing.js";

export const SERVICE_NAME = "flywheel-workers";

export function startOtel(endpoint: string): Tracing {
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, "")}/v1/traces` });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": process.env.OTEL_SERVICE_NAME ?? SERVICE_NAME }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  provider.register();
  const tracer = trace.getTracer(SERVICE_NAME);
  const middleware: MiddlewareHandler = async (c, next) => {
    const span = tracer.startSpan(`${c.req.method} ${c.req.path}`, {
      kind: SpanKind.SERVER,
      attributes: { "http.request.method": c.req.method, "url.path": c.req.path },
    });
    try {
      await context.with(trace.setSpan(context.active(), span), next);
      // Name the span by the route that answered (/v1/jobs/:id), not the raw path (ids are unbounded).
      const route = matchedRoutes(c).findLast((r) => r.method !== "ALL");
      if (route) {
        span.updateName(`${c.req.method} ${route.path}`);
        span.setAttribute("http.route", route.path);
      }
      span.setAttribute("http.response.status_code", c.res.status);
      if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      const requestId = c.get("requestId" as never) as string | undefined;
      if (requestId) span.setAttribute("flywheel.request_id", requestId);
    } finally {
      span.end();
    }
  };
  return {
    telemetry: new BullMQOtel({ tracerName: SERVICE_NAME }),
    middleware,
    shutdown: () => provider.shutdown(),
  };
}
