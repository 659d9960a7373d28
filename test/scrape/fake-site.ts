// A local website for scrape tests: routes map a path to a handler; every connection and request is
// counted, so SSRF tests can assert that nothing reached the server at all.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface FakeSite {
  url: string;
  port: number;
  connections: number;
  requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders }>;
  route(path: string, handler: Route): void;
  /** Answers every path no route matches (default: 404). */
  fallback(handler: Route | null): void;
  close(): Promise<void>;
}

export async function startFakeSite(routes: Record<string, Route> = {}): Promise<FakeSite> {
  const table = new Map(Object.entries(routes));
  let fallback: Route | null = null;
  const site = { connections: 0, requests: [] } as unknown as FakeSite;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    site.requests.push({ method: req.method ?? "GET", path, headers: req.headers });
    const handler = table.get(path) ?? fallback;
    if (!handler) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    handler(req, res);
  });
  server.on("connection", () => {
    site.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(site, {
    url: `http://127.0.0.1:${port}`,
    port,
    route: (path: string, handler: Route) => table.set(path, handler),
    fallback: (handler: Route | null) => {
      fallback = handler;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return site;
}

export const html =
  (body: string, headers: http.OutgoingHttpHeaders = {}): Route =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", ...headers }).end(body);
  };

export const status =
  (code: number, headers: http.OutgoingHttpHeaders = {}): Route =>
  (_req, res) => {
    res.writeHead(code, { "content-type": "text/plain", ...headers }).end(`status ${code}`);
  };
