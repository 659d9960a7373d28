// robots.txt on every scrape request: the group for SCRAPER_USER_AGENT's product token (else `*`), checked
// on the start URL, each redirect hop and each page of a site crawl; cached 24 h in kv (one fetch per host);
// 404 allows everything, 503 is a retry; Crawl-delay spaces requests to a host, also across handler apps.
import { describe, expect, it } from "vitest";
import { html, status } from "./fake-site.js";
import { articlePage, urlset, xml } from "./fake-sitemaps.js";
import { useScrapeFixtures } from "./fixtures.js";
import { errorCode } from "./harness.js";

const fx = useScrapeFixtures();
const paths = () => fx.site.requests.map((r) => r.path);
const robots = (text: string) => html(text, { "content-type": "text/plain" });

const rules = `User-agent: *
Disallow: /

User-agent: FlywheelTest
Allow: /
Disallow: /private
`;

describe("robots.txt", () => {
  it("follows the group of our product token over `*`, fails a disallowed start URL at once, and fetches robots.txt once", async () => {
    const { h, site } = fx;
    site.route("/robots.txt", robots(rules));
    site.route("/public", html(articlePage("public")));
    site.route("/private/plan", html(articlePage("secret")));
    const ok = await h.addSource("website", `${site.url}/public`);
    expect((await h.scrape(ok)).body).toMatchObject({ newItems: 1 });
    const no = await h.addSource("website", `${site.url}/private/plan`);
    const res = await h.scrape(no);
    expect(res.status).toBe(422);
    expect(errorCode(res.body)).toBe("robots_disallowed");
    expect(paths()).toEqual(["/robots.txt", "/public"]);
    expect(await h.items(no)).toEqual([]);

    // Another product token falls under `*`, which forbids everything.
    const other = await h.addSource("website", `${site.url}/public`);
    const refused = await h.scrape(other, { SCRAPER_USER_AGENT: "OtherBot/2.0" });
    expect(errorCode(refused.body)).toBe("robots_disallowed");
  });

  it("checks every redirect hop, and skips disallowed pages of a site crawl", async () => {
    const { h, site } = fx;
    site.route("/robots.txt", robots(`User-agent: *\nDisallow: /private\n`));
    site.route("/go", (_req, res) => void res.writeHead(302, { location: "/private/x" }).end());
    const hop = await h.addSource("website", `${site.url}/go`);
    expect(errorCode((await h.scrape(hop)).body)).toBe("robots_disallowed");
    expect(paths()).not.toContain("/private/x");

    site.route(
      "/sitemap.xml",
      xml(() => urlset(["/a", "/private/b", "/c"].map((p) => ({ loc: site.url + p })))),
    );
    site.route("/", html(articlePage("home")));
    site.fallback(html(articlePage("page")));
    const crawl = await h.addSource("website", `${site.url}/`, undefined, "site");
    const res = await h.scrape(crawl);
    expect(res.body).toMatchObject({ newItems: 3, pagesDisallowed: 1 });
    expect(paths()).not.toContain("/private/b");
  });

  it("allows everything when robots.txt is 404, and answers 503 (retry) while it is 503", async () => {
    const { h, site } = fx;
    site.route("/robots.txt", status(503));
    site.route("/page", html(articlePage("page")));
    const id = await h.addSource("website", `${site.url}/page`);
    const res = await h.scrape(id);
    expect(res.status).toBe(503);
    expect(errorCode(res.body)).toBe("robots_unavailable");
    expect(paths()).not.toContain("/page");

    site.route("/robots.txt", status(404));
    expect((await h.scrape(id)).body).toMatchObject({ newItems: 1 });
    expect(paths().filter((p) => p === "/robots.txt")).toHaveLength(2);
  });

  it("spaces requests to a host by its Crawl-delay, across handler apps", async () => {
    const { h, site } = fx;
    site.route("/robots.txt", robots("User-agent: *\nCrawl-delay: 0.4\n"));
    const at: number[] = [];
    site.fallback((req, res) => {
      at.push(Date.now());
      html(articlePage(req.url ?? ""))(req, res);
    });
    const a = await h.addSource("website", `${site.url}/a`);
    const b = await h.addSource("website", `${site.url}/b`);
    const c = await h.addSource("website", `${site.url}/c`);
    // Three scrapes at once on three apps (as on three relays): the kv slot serialises them.
    const answers = await Promise.all([
      h.scrape(a),
      h.scrape(b, { SCRAPER_TIMEOUT_MS: "5001" }),
      h.scrape(c, { SCRAPER_TIMEOUT_MS: "5002" }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    at.sort((x, y) => x - y);
    expect(at).toHaveLength(3);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(350);
  });

  it("stops a site crawl whose next Crawl-delay slot falls after the scrape's deadline", async () => {
    const { h, site } = fx;
    site.route("/robots.txt", robots("User-agent: *\nCrawl-delay: 600\n"));
    site.route(
      "/sitemap.xml",
      xml(() => urlset(["/a", "/b"].map((p) => ({ loc: site.url + p })))),
    );
    site.route("/", html(articlePage("home")));
    site.fallback(html(articlePage("page")));
    const id = await h.addSource("website", `${site.url}/`, undefined, "site");
    const res = await h.scrape(id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ pagesFetched: 1, pagesLeft: 2 });
    // The sitemap is read (discovery is not paced), but no page past the start one.
    expect(paths().filter((p) => p !== "/robots.txt")).toEqual(["/", "/sitemap.xml"]);
  });
});
