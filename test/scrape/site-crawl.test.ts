// A `site` website source against a local site: discovery from robots.txt `Sitemap:` lines, a sitemap
// index and a gzipped sitemap, SCRAPER_MAX_PAGES per scrape newest lastmod first, the rest on later
// scrapes, conditional GETs per page, pages removed from the sitemap marked gone, and huge sitemaps bounded.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { findRelevantItems } from "../../handlers/content-generation/context.js";
import { html } from "./fake-site.js";
import { articlePage, gzipped, type SitemapUrl, sitemapIndex, urlset, xml } from "./fake-sitemaps.js";
import { useScrapeFixtures } from "./fixtures.js";

const fx = useScrapeFixtures();

const day = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString();
/** Paths of page fetches (not robots.txt or sitemaps) since request number `from`. */
const pageFetches = (from = 0) =>
  fx.site.requests
    .slice(from)
    .map((r) => r.path)
    .filter((p) => p !== "/robots.txt" && !p.includes("sitemap"));

/** 200 pages /p/0 … /p/199, /p/i last modified on day i; half in a plain sitemap, half gzipped. */
function twoHundredPages() {
  const lastmod = new Map<number, string>();
  const listed = new Set<number>();
  for (let i = 0; i < 200; i++) {
    lastmod.set(i, day(i));
    listed.add(i);
  }
  const urls = (from: number, to: number): SitemapUrl[] =>
    [...listed]
      .filter((i) => i >= from && i < to)
      .map((i) => ({ loc: `${fx.site.url}/p/${i}`, lastmod: lastmod.get(i) }));
  const text = new Map<number, string>();
  fx.site.route("/robots.txt", html(`User-agent: *\nAllow: /\nSitemap: ${fx.site.url}/sitemap_index.xml\n`));
  fx.site.route(
    "/sitemap_index.xml",
    xml(() => sitemapIndex([`${fx.site.url}/sitemap-a.xml`, `${fx.site.url}/sitemap-b.xml.gz`])),
  );
  fx.site.route(
    "/sitemap-a.xml",
    xml(() => urlset(urls(0, 100))),
  );
  fx.site.route(
    "/sitemap-b.xml.gz",
    gzipped(() => urlset(urls(100, 200))),
  );
  fx.site.route("/", html(articlePage("home", ["/about", "/p/5", "https://elsewhere.example/x"])));
  fx.site.route("/about", html(articlePage("about")));
  fx.site.fallback((req, res) => {
    const i = Number(/^\/p\/(\d+)$/.exec(req.url ?? "")?.[1] ?? "NaN");
    if (!listed.has(i) && !lastmod.has(i)) return void res.writeHead(404).end();
    const etag = `"p${i}-${lastmod.get(i)}"`;
    if (req.headers["if-none-match"] === etag) return void res.writeHead(304, { etag }).end();
    res.writeHead(200, { "content-type": "text/html", etag }).end(articlePage(String(i), [], text.get(i)));
  });
  return { lastmod, listed, text };
}

describe("site sources", () => {
  it("crawls a site from its sitemap index and gzipped sitemap, 25 pages a scrape, newest first, the rest later", async () => {
    twoHundredPages();
    const id = await fx.h.addSource("website", `${fx.site.url}/`, "Acme", "site");
    const first = await fx.h.scrape(id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: "scraped", newItems: 25, pagesFetched: 25, pagesKnown: 202 });
    // The start page, then the 24 newest by lastmod: /p/199 … /p/176.
    const newest = Array.from({ length: 24 }, (_, k) => `/p/${199 - k}`);
    expect(pageFetches()).toEqual(["/", ...newest]);
    expect(await fx.h.source(id)).toMatchObject({ pagesKnown: 202, pagesScraped: 25, itemCount: 25 });
    expect((await fx.h.source(id)).lastCrawlAt).toBeInstanceOf(Date);
    const items = await fx.h.items(id);
    expect(items.map((i) => i.itemKey)).toContain(`${fx.site.url}/p/199`);
    expect(items.find((i) => i.itemKey === `${fx.site.url}/p/199`)!.text).toContain("Article 199 explains");

    const mark = fx.site.requests.length;
    expect((await fx.h.scrape(id)).body).toMatchObject({ newItems: 24, pagesNotModified: 0 });
    expect(pageFetches(mark)).toEqual(["/", ...Array.from({ length: 24 }, (_, k) => `/p/${175 - k}`)]);

    // Seven more scrapes reach every page (the unlisted /about, without a lastmod, comes last).
    for (let i = 0; i < 7; i++) expect((await fx.h.scrape(id)).status).toBe(200);
    expect(await fx.h.source(id)).toMatchObject({ pagesScraped: 202, itemCount: 202 });
    expect(fx.site.requests.filter((r) => r.path === "/robots.txt")).toHaveLength(1);
  });

  it("refetches a page whose lastmod moved first, conditionally, and marks a page removed from the sitemap gone", async () => {
    const fake = twoHundredPages();
    const id = await fx.h.addSource("website", `${fx.site.url}/`, undefined, "site");
    for (let i = 0; i < 9; i++) await fx.h.scrape(id);
    expect(await fx.h.source(id)).toMatchObject({ pagesScraped: 202 });

    // Nothing moved: no listed page is fetched again.
    let mark = fx.site.requests.length;
    expect((await fx.h.scrape(id)).body).toMatchObject({ newItems: 0, changedItems: 0 });
    expect(pageFetches(mark).filter((p) => p.startsWith("/p/"))).toEqual([]);

    fake.lastmod.set(3, day(400));
    fake.text.set(3, "A paragraph added later about newsletters.");
    fake.listed.delete(10);
    mark = fx.site.requests.length;
    const res = await fx.h.scrape(id);
    expect(res.body).toMatchObject({ changedItems: 1, pagesGone: 1 });
    expect(pageFetches(mark)[1]).toBe("/p/3");
    const items = await fx.h.items(id);
    expect(items.find((i) => i.itemKey === `${fx.site.url}/p/3`)!.text).toContain(
      "added later about newsletters",
    );
    const gone = items.find((i) => i.itemKey === `${fx.site.url}/p/10`)!;
    expect(gone.goneAt).toBeInstanceOf(Date);
    // Kept, but never prompted with: the generation context finds /p/11, not the gone /p/10.
    const context = (topic: string) =>
      findRelevantItems(fx.h.db.db, { orgId: fx.h.orgId, userId: fx.h.userId, topic, sourceIds: [id] });
    expect((await context("Article 11")).map((c) => c.url)).toContain(`${fx.site.url}/p/11`);
    expect((await context("Article 10")).map((c) => c.url)).not.toContain(`${fx.site.url}/p/10`);
    expect(await fx.h.source(id)).toMatchObject({ pagesScraped: 201, itemCount: 201, pagesKnown: 201 });

    // Listed again with a newer lastmod: fetched and back in the library.
    fake.listed.add(10);
    fake.lastmod.set(10, day(401));
    expect((await fx.h.scrape(id)).body).toMatchObject({ pagesGone: 0 });
    const back = (await fx.h.items(id)).find((i) => i.itemKey === `${fx.site.url}/p/10`)!;
    expect(back.goneAt).toBeNull();
    expect(await fx.h.source(id)).toMatchObject({ pagesScraped: 202, itemCount: 202 });
  });

  it("crawls the host the start URL redirects to (here localhost → 127.0.0.1)", async () => {
    fx.site.route(
      "/robots.txt",
      html(`Sitemap: ${fx.site.url}/sitemap.xml\n`, { "content-type": "text/plain" }),
    );
    fx.site.route(
      "/sitemap.xml",
      xml(() => urlset([{ loc: `${fx.site.url}/p/1` }, { loc: `${fx.site.url}/p/2` }])),
    );
    fx.site.route("/home", html(articlePage("home")));
    fx.site.route("/", (req, res) => {
      if (req.headers.host?.startsWith("localhost"))
        res.writeHead(301, { location: `${fx.site.url}/home` }).end();
      else html(articlePage("root"))(req, res);
    });
    fx.site.fallback(html(articlePage("page")));
    const id = await fx.h.addSource("website", `http://localhost:${fx.site.port}/`, undefined, "site");
    const res = await fx.h.scrape(id);
    expect(res.body).toMatchObject({ newItems: 3, pagesFetched: 3 });
    expect((await fx.h.items(id)).map((i) => i.itemKey).sort()).toEqual(
      [`${fx.site.url}/home`, `${fx.site.url}/p/1`, `${fx.site.url}/p/2`].sort(),
    );
  });

  it("reads a 50,000-URL sitemap and fetches only SCRAPER_MAX_PAGES pages, the newest", async () => {
    const urls = Array.from({ length: 50_000 }, (_, i) => ({
      loc: `${fx.site.url}/n/${i}`,
      lastmod: day(i % 3000),
    }));
    urls[31_337] = { loc: `${fx.site.url}/n/31337`, lastmod: day(9000) };
    const body = urlset(urls);
    fx.site.route(
      "/sitemap.xml",
      xml(() => body),
    );
    fx.site.route("/", html(articlePage("home")));
    fx.site.fallback(html(articlePage("numbered")));
    const id = await fx.h.addSource("website", `${fx.site.url}/`, undefined, "site");
    const res = await fx.h.scrape(id, { SCRAPER_MAX_PAGES: "5", SCRAPER_MAX_BYTES: String(8 * 1024 * 1024) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ pagesKnown: 50_001, pagesFetched: 5 });
    const fetched = pageFetches();
    expect(fetched).toHaveLength(5);
    expect(fetched.slice(0, 2)).toEqual(["/", "/n/31337"]);
  });

  it("stops reading a 50 MB sitemap at the byte cap and still scrapes, without marking anything gone", async () => {
    let sent = 0;
    let huge = false;
    fx.site.route("/sitemap.xml", (_req, res) => {
      if (!huge) return void xml(() => urlset([{ loc: `${fx.site.url}/big/known` }]))(_req, res);
      res.writeHead(200, { "content-type": "application/xml" });
      const entries = function* () {
        yield '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">';
        for (let i = 0; sent < 50 * 1024 * 1024; i++) {
          const line = `<url><loc>${fx.site.url}/big/${i}</loc><lastmod>${day(i % 1000)}</lastmod></url>\n`;
          sent += line.length;
          yield line;
        }
        yield "</urlset>";
      };
      Readable.from(entries()).pipe(res);
    });
    fx.site.route("/", html(articlePage("home")));
    fx.site.fallback(html(articlePage("big")));
    const id = await fx.h.addSource("website", `${fx.site.url}/`, undefined, "site");
    expect((await fx.h.scrape(id)).body).toMatchObject({ newItems: 2 });
    // The huge sitemap no longer lists /big/known, but it is cut short: nothing can be called gone.
    huge = true;
    const res = await fx.h.scrape(id, { SCRAPER_MAX_PAGES: "3" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ pagesFetched: 3, pagesGone: 0 });
    expect(res.body.pagesKnown).toBeGreaterThan(1000);
    expect(sent).toBeLessThan(50 * 1024 * 1024);
    expect((await fx.h.items(id)).find((i) => i.itemKey === `${fx.site.url}/big/known`)!.goneAt).toBeNull();
  });
});
