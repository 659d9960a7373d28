// The HTTP listener, started before any role is built so that the port (PORT=0 picks one) and so the
// service's own URLs are known when the config is frozen. Routes are mounted on `root` afterwards; until
// `ready()` every request answers 503 (a health check during start must not freeze Hono's router early).
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { Config } from "../config.js";
import type { Stops } from "./stops.js";

export interface Listener {
  port: number;
  /** Every route is mounted: requests go to `root` from now on. */
  ready(): void;
}

const starting = () =>
  Response.json(
    { error: { code: "starting", message: "the service is starting" } },
    { status: 503, headers: { "Retry-After": "1" } },
  );

export async function listen(root: Hono, config: Config, stops: Stops): Promise<Listener> {
  let ready = false;
  const server = serve({
    fetch: (req) => (ready ? root.fetch(req) : starting()),
    port: config.PORT,
    hostname: config.HOST,
  });
  await new Promise<void>((ok, ko) => {
    server.once("listening", ok);
    server.once("error", ko);
  });
  stops.push(
    () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  );
  return {
    port: (server.address() as AddressInfo).port,
    ready: () => {
      ready = true;
    },
  };
}

/** The service's own URL and where its relay calls the handlers, from the config and the bound port. */
export function serviceUrls(config: Config, port: number | null): { url: string; handlersUrl?: string } {
  const local = port === null ? "" : `http://127.0.0.1:${port}`;
  const url = config.PUBLIC_URL ?? local;
  const runsHandlers = config.ROLE === "all" || config.ROLE === "handlers";
  const handlersUrl =
    config.HANDLERS_URL ??
    (runsHandlers && local ? (config.ROLE === "handlers" ? local : `${local}/handlers`) : undefined);
  return { url, handlersUrl };
}
