// End to end: POST /v1/context-sources → POST /:id/scrape → relay → signed scrape handler → local site →
// GET /v1/context-items (with full-text search), through the real service (Postgres, Redis, relay).
// The routes are mounted here on their own app with the service's JobsService, as app.ts mounts them.
import { OpenAPIHono } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { scrapeJob } from "../../handlers/scrape/index.js";
import type { ApiEnv } from "../../src/api/deps.js";
import { ApiError, apiErrorHandler } from "../../src/api/errors.js";
import { registerContextSourceRoutes } from "../../src/api/routes/context-sources.js";
import { createLogger } from "../../src/logger.js";
import { eventually } from "../helpers/eventually.js";
import { jobOf, startTestService, type TestService } from "../helpers/service.js";
import { type FakeSite, html, startFakeSite } from "./fake-site.js";
import { articlePage } from "./fake-sitemaps.js";
import { rss2 } from "./feeds.js";

let t: TestService;
let site: FakeSite;
let api: OpenAPIHono<ApiEnv>;

beforeAll(async () => {
  site = await startFakeSite();
  site.route("/robots.txt", html("User-agent: *\nDisallow: /private\n", { "content-type": "text/plain" }));
  t = await startTestService({
    catalog: createCatalog([scrapeJob]),
    env: { SCRAPER_ALLOW_PRIVATE_NETWORKS: "true" },
  });
  api = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw ApiError.validation(result.error);
    },
  });
  api.onError(apiErrorHandler(createLogger({ level: "silent" })));
  api.use("*", async (c, next) => {
    c.set("orgId", t.orgId);
    c.set("requestId", "req-test");
    await next();
  });
  registerContextSourceRoutes(api, {
    db: t.db.db,
    jobs: t.service.jobs,
    config: t.service.config,
    catalog: createCatalog([scrapeJob]),
  });
});
afterAll(async () => {
  await t?.stop();
  await site?.close();
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await api.request(path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { "content-type": "application/json" },
  });
  return {
    status: res.status,
    body:
      res.status === 204
        ? null
        : // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field below
          ((await res.json()) as Record<string, any>),
  };
};

describe("context sources API", () => {
  it("creates a feed source, scrapes it via the relay, and finds its items by full-text search", async () => {
    site.route(
      "/feed.xml",
      (_req, res) =>
        void res.writeHead(200, { "content-type": "application/rss+xml" }).end(
          rss2([
            {
              guid: "a",
              title: "Composting at scale",
              html: "<p>Worms turn kitchen scraps into soil.</p>",
              date: new Date("2024-02-01"),
            },
            {
              guid: "b",
              title: "Quarterly roadmap",
              html: "<p>Shipping the analytics dashboard next.</p>",
              date: new Date("2024-02-02"),
            },
          ]),
        ),
    );
    const created = await call("POST", "/v1/context-sources", {
      userId: "u1",
      kind: "rss",
      url: `${site.url}/feed.xml`,
      name: "Blog",
    });
    expect(created.status).toBe(201);
    const source = created.body!.source;
    expect(source).toMatchObject({
      kind: "rss",
      health: "healthy",
      consecutiveFailures: 0,
      itemCount: 0,
      enabled: true,
    });

    const first = await call("POST", `/v1/context-sources/${source.id}/scrape`);
    expect(first.status).toBe(202);
    const job = await eventually(async () => {
      const j = await jobOf(t, first.body!.job.id);
      return j.status === "completed" ? j : null;
    });
    expect(job.result).toMatchObject({ newItems: 2 });

    const got = await call("GET", `/v1/context-sources/${source.id}`);
    expect(got.body!.source).toMatchObject({ itemCount: 2, health: "healthy" });
    expect(got.body!.source.lastSuccessAt).toEqual(expect.any(String));

    const all = await call("GET", `/v1/context-items?sourceId=${source.id}`);
    expect(all.body!.items).toHaveLength(2);
    const found = await call("GET", `/v1/context-items?userId=u1&q=${encodeURIComponent("worms soil")}`);
    expect(found.body!.items.map((i: { title: string }) => i.title)).toEqual(["Composting at scale"]);
    const paged = await call("GET", "/v1/context-items?limit=1");
    expect(paged.body!.items).toHaveLength(1);
    const next = await call("GET", `/v1/context-items?limit=1&cursor=${paged.body!.nextCursor}`);
    expect(next.body!.items[0].id).not.toBe(paged.body!.items[0].id);
  });

  it("answers a scrape already queued or running with that job instead of a second one", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    site.route(
      "/slow",
      (req, res) =>
        void gate.then(() => html("<p>Finally a page about slow websites and patience.</p>")(req, res)),
    );
    const { body } = await call("POST", "/v1/context-sources", {
      userId: "u1",
      kind: "website",
      url: `${site.url}/slow`,
    });
    const a = await call("POST", `/v1/context-sources/${body!.source.id}/scrape`);
    const b = await call("POST", `/v1/context-sources/${body!.source.id}/scrape`);
    expect([a.status, b.status]).toEqual([202, 200]);
    expect(b.body!.job.id).toBe(a.body!.job.id);
    release();
    await eventually(async () => (await jobOf(t, a.body!.job.id)).status === "completed");
    const c = await call("POST", `/v1/context-sources/${body!.source.id}/scrape`);
    expect(c.status).toBe(202);
    expect(c.body!.job.id).not.toBe(a.body!.job.id);
  });

  it("crawls a site source and shows pagesKnown, pagesScraped, lastCrawlAt and each item's language", async () => {
    site.route("/site/", html(articlePage("home", ["/site/a", "/site/b"])));
    site.route("/site/a", html(articlePage("a")));
    site.route("/site/b", html(articlePage("b")));
    const created = await call("POST", "/v1/context-sources", {
      userId: "u1",
      kind: "website",
      url: `${site.url}/site/`,
      scope: "site",
    });
    expect(created.status).toBe(201);
    expect(created.body!.source).toMatchObject({
      scope: "site",
      pagesKnown: 0,
      pagesScraped: 0,
      lastCrawlAt: null,
    });
    const id = created.body!.source.id;
    const run = await call("POST", `/v1/context-sources/${id}/scrape`);
    await eventually(async () => (await jobOf(t, run.body!.job.id)).status === "completed");
    const got = (await call("GET", `/v1/context-sources/${id}`)).body!.source;
    expect(got).toMatchObject({ pagesKnown: 3, pagesScraped: 3, itemCount: 3 });
    expect(got.lastCrawlAt).toEqual(expect.any(String));
    const items = (await call("GET", `/v1/context-items?sourceId=${id}`)).body!.items;
    expect(items.map((i: { language: string }) => i.language)).toEqual(["en", "en", "en"]);

    const page = await call("POST", "/v1/context-sources", {
      userId: "u1",
      kind: "website",
      url: `${site.url}/site/a`,
    });
    expect(page.body!.source.scope).toBe("page");
    const feed = await call("POST", "/v1/context-sources", {
      userId: "u1",
      kind: "rss",
      url: `${site.url}/feed.xml`,
      scope: "site",
    });
    expect(feed.status).toBe(400);
    expect(feed.body!.error.fields.map((f: { path: string }) => f.path)).toEqual(["scope"]);
  });

  it("fails a scrape of a start URL robots.txt disallows at once, and the source's lastError says so", async () => {
    site.route("/private/plan", html(articlePage("plan")));
    const { body } = await call("POST", "/v1/context-sources", {
      userId: "u1",
      kind: "website",
      url: `${site.url}/private/plan`,
    });
    const run = await call("POST", `/v1/context-sources/${body!.source.id}/scrape`);
    const job = await eventually(async () => {
      const j = await jobOf(t, run.body!.job.id);
      return j.status === "failed" ? j : null;
    });
    expect(job.attempts).toBe(1);
    const source = await eventually(async () => {
      const s = (await call("GET", `/v1/context-sources/${body!.source.id}`)).body!.source;
      return s.lastError ? s : null;
    });
    expect(source.lastError).toMatch(/^robots_disallowed: /);
    expect(site.requests.map((r) => r.path)).not.toContain("/private/plan");
  });

  it("validates input, patches, deletes, and hides other organizations' sources", async () => {
    const bad = await call("POST", "/v1/context-sources", {
      userId: "u1",
      kind: "blog",
      url: "ftp://x.example/",
    });
    expect(bad.status).toBe(400);
    expect(bad.body!.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(["kind", "url"]);
    const { body } = await call("POST", "/v1/context-sources", {
      userId: "u2",
      kind: "website",
      url: "https://example.com/",
    });
    const id = body!.source.id;
    expect(
      (await call("PATCH", `/v1/context-sources/${id}`, { enabled: false, name: "Home" })).body!.source,
    ).toMatchObject({
      enabled: false,
      name: "Home",
    });
    const list = await call("GET", "/v1/context-sources?userId=u2");
    expect(list.body!.items.map((s: { id: string }) => s.id)).toEqual([id]);
    expect((await call("DELETE", `/v1/context-sources/${id}`)).status).toBe(204);
    expect((await call("GET", `/v1/context-sources/${id}`)).status).toBe(404);
    expect((await call("POST", "/v1/context-sources/src_nope/scrape")).status).toBe(404);
  });
});
