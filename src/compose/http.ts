// The HTTP listener, started before any role is built so that the port (PORT=0 picks one) and so the
// service's own URLs are known when the config is frozen; routes are mounted on `root` afterwards.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { Config } from "../config.js";
import type { Stops } from "./stops.js";

export async function listen(root: Hono, config: Config, stops: Stops): Promise<number> {
  const server = serve({ fetch: (req) => root.fetch(req), port: config.PORT, hostname: config.HOST });
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
  return (server.address() as AddressInfo).port;
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
