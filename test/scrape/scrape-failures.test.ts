// How scrape failures answer the relay: 5xx, 429, network errors and timeouts are retryable (503);
// 404, 410, non-HTML bodies, oversized or endless bodies and blocked addresses fail now (422). Every
// SSRF spelling is refused before any connection reaches the local server.
import type { LookupFunction } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../helpers/services.js";
import { type FakeSite, html, startFakeSite, status } from "./fake-site.js";
import { createHarness, errorCode, type Harness } from "./harness.js";

let h: Harness;
let site: FakeSite;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  site = await startFakeSite();
  return () => site.close();
});

async function answer(kind: "website" | "rss", url: string, env?: Record<string, string>) {
  const res = await h.scrape(await h.addSource(kind, url), env);
  return `${res.status} ${errorCode(res.body) ?? "ok"}`;
}

describe("failure classification", () => {
  it("maps upstream answers to retryable or permanent failures", async () => {
    site.route("/404", status(404));
    site.route("/410", status(410));
    site.route("/500", status(500));
    site.route("/502", status(502));
    site.route("/429", status(429, { "retry-after": "120" }));
    site.route("/403", status(403));
    site.route(
      "/json",
      (_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end("{}"),
    );
    site.route(
      "/pdf",
      (_req, res) => void res.writeHead(200, { "content-type": "application/pdf" }).end("%PDF-1.4"),
    );
    expect(await answer("website", `${site.url}/404`)).toBe("422 source_not_found");
    expect(await answer("website", `${site.url}/410`)).toBe("422 source_gone");
    expect(await answer("rss", `${site.url}/500`)).toBe("503 source_unavailable");
    expect(await answer("website", `${site.url}/502`)).toBe("503 source_unavailable");
    expect(await answer("website", `${site.url}/429`)).toBe("503 source_rate_limited");
    expect(await answer("website", `${site.url}/403`)).toBe("422 source_refused");
    expect(await answer("website", `${site.url}/json`)).toBe("422 not_html");
    expect(await answer("website", `${site.url}/pdf`)).toBe("422 not_html");
    expect(await answer("website", `http://127.0.0.1:${await freePort()}/`)).toBe("503 network");
  });

  it("an unknown or disabled source", async () => {
    const res = await h.scrape("src_missing");
    expect(res.status).toBe(422);
    expect(errorCode(res.body)).toBe("unknown_source");
  });
});

describe("hostile bodies end in bounded, clear errors", () => {
  it("a declared 1 GB body, an endless chunked stream and a gzip bomb", async () => {
    site.route("/huge", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html", "content-length": String(1024 ** 3) });
      res.write("<html><body>");
    });
    site.route("/endless", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      const chunk = Buffer.from(`<p>${"endless ".repeat(8000)}</p>`);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {}
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024, 32));
    site.route("/bomb", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html", "content-encoding": "gzip" }).end(bomb);
    });
    const before = process.memoryUsage().rss;
    expect(await answer("website", `${site.url}/huge`)).toBe("422 body_too_large");
    expect(await answer("website", `${site.url}/endless`)).toBe("422 body_too_large");
    expect(await answer("website", `${site.url}/bomb`)).toBe("422 body_too_large");
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("a server that never answers and one that trickles are cut by the idle timeout and the deadline", async () => {
    site.route("/silent", () => {});
    site.route("/trickle", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write("<p>")), 50);
    });
    const t0 = Date.now();
    expect(await answer("website", `${site.url}/silent`, { SCRAPER_IDLE_TIMEOUT_MS: "300" })).toBe(
      "503 fetch_idle_timeout",
    );
    expect(await answer("website", `${site.url}/trickle`, { SCRAPER_TIMEOUT_MS: "700" })).toBe(
      "503 fetch_timeout",
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});

describe("SSRF", () => {
  it("refuses every private spelling before connecting, also through a redirect", async () => {
    site.route("/", html("<p>internal secret</p>"));
    const p = site.port;
    const strict = { SCRAPER_ALLOW_PRIVATE_NETWORKS: "false" };
    const urls = [
      "http://169.254.169.254/latest/meta-data/",
      `http://127.0.0.1:${p}/`,
      `http://[::1]:${p}/`,
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://0.0.0.0:${p}/`,
      `http://2130706433:${p}/`,
      `http://0177.0.0.1:${p}/`,
      `http://localhost:${p}/`,
      `http://app.localhost:${p}/`,
      "file:///etc/passwd",
    ];
    for (const url of urls) expect(await answer("website", url, strict), url).toBe("422 blocked_url");
    expect(site.connections).toBe(0);

    // A public site (faked in front of the guarded fetch) that redirects to loopback: the handler's URL
    // guard refuses a literal hop, the connector's lookup refuses a name that resolves to 127.0.0.1.
    const publicSite = (guarded: typeof fetch): typeof fetch => {
      return async (input, init) => {
        const url = new URL(String(input));
        if (url.hostname !== "public.test") return guarded(input, init);
        const to = url.pathname === "/literal" ? `http://127.0.0.1:${p}/` : `http://rebind.test:${p}/`;
        return new Response(null, { status: 302, headers: { location: to } });
      };
    };
    const rebind: LookupFunction = (host, options, cb) =>
      host === "rebind.test"
        ? options.all
          ? cb(null, [{ address: "127.0.0.1", family: 4 }])
          : cb(null, "127.0.0.1", 4)
        : cb(Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" }), "", 0);
    const opts = { wrapFetch: publicSite, lookup: rebind };
    for (const path of ["/literal", "/name"]) {
      const res = await h.scrape(await h.addSource("website", `http://public.test${path}`), strict, opts);
      expect(`${res.status} ${errorCode(res.body)}`, JSON.stringify(res.body)).toBe("422 blocked_url");
    }
    expect(site.connections).toBe(0);
    expect(site.requests).toHaveLength(0);
  });
});
