// The Node guarded fetch against local servers: every SSRF spelling is refused before any connection,
// redirects are re-checked per hop, and hostile bodies (huge, endless, gzip bombs, slow) end in bounded errors.
import dns from "node:dns";
import type { LookupFunction } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGuardedFetch, type GuardedFetchOptions } from "../../src/runtime/guarded-fetch.js";
import { type FakeSite, html, startFakeSite } from "./fake-site.js";

const base: GuardedFetchOptions = {
  allowPrivate: false,
  userAgent: "FlywheelTest/1.0",
  maxBytes: 1024 * 1024,
  timeoutMs: 5_000,
  idleTimeoutMs: 2_000,
};

/** A DNS that answers 127.0.0.1 for `rebind.test` (a public-looking name pointing at loopback). */
const rebindLookup: LookupFunction = (hostname, options, callback) => {
  if (hostname === "rebind.test") {
    if (options.all) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
    return callback(null, "127.0.0.1", 4);
  }
  (dns.lookup as LookupFunction)(hostname, options, callback);
};

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "resolved";
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name;
  }
}

let site: FakeSite;
beforeEach(async () => {
  site = await startFakeSite({ "/": html("<p>hello</p>") });
});
afterEach(async () => {
  await site.close();
});

describe("SSRF: blocked before any connection", () => {
  const spellings = (port: number) => [
    `http://169.254.169.254/latest/meta-data/`,
    `http://127.0.0.1:${port}/`,
    `http://[::1]:${port}/`,
    `http://[::ffff:127.0.0.1]:${port}/`,
    `http://0.0.0.0:${port}/`,
    `http://2130706433:${port}/`,
    `http://0177.0.0.1:${port}/`,
    `http://0x7f.0.0.1:${port}/`,
    `http://localhost:${port}/`,
    `http://rebind.test:${port}/`,
    `http://10.0.0.1:${port}/`,
    `http://100.64.0.1:${port}/`,
  ];

  it("refuses every spelling of a private address with blocked_url", async () => {
    const f = createGuardedFetch({ ...base, lookup: rebindLookup });
    for (const url of spellings(site.port)) {
      expect(await codeOf(f(url)), url).toBe("blocked_url");
    }
    expect(site.connections).toBe(0);
    expect(site.requests).toHaveLength(0);
  });

  it("checks the resolved address at connect time, not only the URL", async () => {
    // `rebind.test` passes the URL-level check; the connector's lookup refuses it.
    const f = createGuardedFetch({ ...base, lookup: rebindLookup });
    await expect(f(`http://rebind.test:${site.port}/`)).rejects.toMatchObject({
      code: "blocked_url",
      message: expect.stringContaining("resolves to 127.0.0.1"),
    });
    expect(site.connections).toBe(0);
  });

  it("refuses a redirect to loopback from an allowed origin, without touching the target", async () => {
    const target = await startFakeSite({ "/": html("<p>secret</p>") });
    try {
      const hops = [
        `http://127.0.0.1:${target.port}/`,
        `http://localhost:${target.port}/`,
        `http://rebind.test:${target.port}/`,
      ];
      for (const [i, to] of hops.entries()) {
        site.route(`/r${i}`, (_req, res) => {
          res.writeHead(302, { location: to }).end();
        });
      }
      const f = createGuardedFetch({ ...base, allowedOrigins: [site.url], lookup: rebindLookup });
      for (let i = 0; i < hops.length; i++) expect(await codeOf(f(`${site.url}/r${i}`))).toBe("blocked_url");
      expect(target.connections).toBe(0);
    } finally {
      await target.close();
    }
  });

  it("refuses non-http schemes, also as a redirect target", async () => {
    site.route("/to-file", (_req, res) => {
      res.writeHead(301, { location: "file:///etc/passwd" }).end();
    });
    const f = createGuardedFetch({ ...base, allowPrivate: true });
    expect(await codeOf(f("file:///etc/passwd"))).toBe("blocked_url");
    expect(await codeOf(f(`${site.url}/to-file`))).toBe("blocked_url");
  });
});

describe("redirects, limits and timeouts", () => {
  it("follows up to 5 redirects, sends the User-Agent and reports the final URL", async () => {
    for (let i = 0; i < 7; i++) {
      site.route(`/hop${i}`, (_req, res) => {
        res.writeHead(302, { location: i === 6 ? "/" : `/hop${i + 1}` }).end();
      });
    }
    const f = createGuardedFetch({ ...base, allowPrivate: true });
    const res = await f(`${site.url}/hop2`);
    expect(await res.text()).toBe("<p>hello</p>");
    expect(res.url).toBe(`${site.url}/`);
    expect(res.redirected).toBe(true);
    expect(site.requests.at(-1)?.headers["user-agent"]).toBe("FlywheelTest/1.0");
    expect(await codeOf(f(`${site.url}/hop0`))).toBe("too_many_redirects");
  });

  it("answers a manual redirect as is", async () => {
    site.route("/moved", (_req, res) => {
      res.writeHead(301, { location: "/" }).end();
    });
    const f = createGuardedFetch({ ...base, allowPrivate: true });
    const res = await f(`${site.url}/moved`, { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/");
  });

  it("fails a declared 1 GB body at once", async () => {
    site.route("/huge", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html", "content-length": String(1024 ** 3) });
      res.write("<p>start");
    });
    const f = createGuardedFetch({ ...base, allowPrivate: true });
    expect(await codeOf(f(`${site.url}/huge`))).toBe("body_too_large");
  });

  it("cuts an endless chunked stream at the cap", async () => {
    let written = 0;
    site.route("/endless", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      const chunk = Buffer.alloc(64 * 1024, 97);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const f = createGuardedFetch({ ...base, allowPrivate: true });
    expect(await codeOf(f(`${site.url}/endless`).then((r) => r.text()))).toBe("body_too_large");
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it("caps a gzip bomb after decompression", async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0));
    expect(bomb.length).toBeLessThan(base.maxBytes);
    site.route("/bomb", (_req, res) => {
      res.writeHead(200, {
        "content-type": "text/html",
        "content-encoding": "gzip",
        "content-length": bomb.length,
      });
      res.end(bomb);
    });
    const f = createGuardedFetch({ ...base, allowPrivate: true });
    const before = process.memoryUsage().rss;
    expect(await codeOf(f(`${site.url}/bomb`).then((r) => r.arrayBuffer()))).toBe("body_too_large");
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
  });

  it("times out a server that never answers, and one that trickles forever", async () => {
    site.route("/silent", () => {});
    site.route("/trickle", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write("a")), 20);
    });
    const idle = createGuardedFetch({ ...base, allowPrivate: true, idleTimeoutMs: 300, timeoutMs: 10_000 });
    const total = createGuardedFetch({ ...base, allowPrivate: true, idleTimeoutMs: 5_000, timeoutMs: 800 });
    const t0 = Date.now();
    expect(await codeOf(idle(`${site.url}/silent`))).toBe("fetch_idle_timeout");
    expect(await codeOf(total(`${site.url}/trickle`).then((r) => r.text()))).toBe("fetch_timeout");
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it("lets an allowed service origin through even though it is private", async () => {
    const f = createGuardedFetch({ ...base, allowedOrigins: [`${site.url}/v1`] });
    const res = await f(`${site.url}/`);
    expect(await res.text()).toBe("<p>hello</p>");
  });
});
