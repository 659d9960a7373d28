// A tiny node:http server on 127.0.0.1 for faking a platform at its HTTP edge: records every request
// (method, path, query, headers, body) and hands it to the fake's handler.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeServer {
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

export function bearer(req: FakeRequest): string | null {
  const auth = req.headers.authorization;
  return auth?.startsWith("Bearer ") ? auth.slice(7) : null;
}

export async function startFakeServer(
  handle: (req: FakeRequest, res: ServerResponse) => void | Promise<void>,
): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on("data", (c: Buffer) => chunks.push(c));
    raw.on("end", () => {
      const u = new URL(raw.url ?? "/", "http://fake.local");
      const req = {
        method: raw.method ?? "GET",
        path: u.pathname,
        query: u.searchParams,
        headers: raw.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(req);
      Promise.resolve(handle(req, res)).catch((err: unknown) =>
        sendJson(res, 500, { fake_error: String(err) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Access and refresh tokens a fake accepts; refresh rotates (old refresh token dies) like X. */
export class TokenBook {
  readonly access = new Set<string>();
  readonly refresh = new Map<string, true>();
  private n = 0;
  constructor(private readonly prefix: string) {}
  grant(accessToken: string, refreshToken?: string): void {
    this.access.add(accessToken);
    if (refreshToken) this.refresh.set(refreshToken, true);
  }
  expire(accessToken: string): void {
    this.access.delete(accessToken);
  }
  /** Exchanges a refresh token; null when unknown. `rotate` false keeps it valid (LinkedIn). */
  exchange(refreshToken: string, rotate = true): { accessToken: string; refreshToken: string } | null {
    if (!this.refresh.has(refreshToken)) return null;
    this.n += 1;
    const accessToken = `${this.prefix}-access-refreshed-${this.n}-${Math.random().toString(36).slice(2)}`;
    let next = refreshToken;
    if (rotate) {
      this.refresh.delete(refreshToken);
      next = `${this.prefix}-refresh-rotated-${this.n}-${Math.random().toString(36).slice(2)}`;
      this.refresh.set(next, true);
    }
    this.access.add(accessToken);
    return { accessToken, refreshToken: next };
  }
}
