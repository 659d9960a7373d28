// OpenTelemetry traces, only when OTEL_EXPORTER_OTLP_ENDPOINT is set: the SDK, the OTLP exporter and
// bullmq-otel are loaded by a dynamic import, so an unset endpoint costs nothing (not even the imports).
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../logger.js";

/** What the service wires when tracing is on. `telemetry` is BullMQ's `telemetry` option (bullmq-otel). */
export interface Tracing {
  // biome-ignore lint/suspicious/noExplicitAny: BullMQ's Telemetry<Context> generic; the type lives in the lazily loaded SDK
  telemetry: any;
  /** A server span per HTTP request, parent of the spans of the jobs it enqueues. */
  middleware: MiddlewareHandler;
  /** Flushes pending spans and stops the exporter. */
  shutdown(): Promise<void>;
}

export async function startTracing(endpoint: string | undefined, log: Logger): Promise<Tracing | null> {
  if (!endpoint) return null;
  const { startOtel } = await import("./otel.js");
  const tracing = startOtel(endpoint);
  log.info({ endpoint }, "OpenTelemetry tracing on");
  return tracing;
}
