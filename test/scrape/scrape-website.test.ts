// The scrape job on a website source, through the signed handlers app against a local site: the main
// text without boilerplate, metadata, idempotent items by content hash, conditional GET and redirects.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeSite, html, startFakeSite } from "./fake-site.js";
import { createHarness, type Harness } from "./harness.js";

const page = (body: string) => `<!doctype html><html><head>
<title>Growing a content flywheel | Acme Blog</title>
<meta name="description" content="How small teams keep their content engine turning.">
<meta property="article:published_time" content="2024-04-02T08:30:00Z">
<link rel="canonical" href="/blog/flywheel">
<script>window.tracking = "SCRIPT-SECRET";</script><style>.x{color:red}</style>
</head><body>
<header class="site-header"><a href="/">Acme</a><nav><a href="/a">Products</a> <a href="/b">Pricing</a></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies. Accept all cookies?</div>
<main><article>
<h1>Growing a content flywheel</h1>
${body}
</article>
<aside class="sidebar"><h3>Related posts</h3><ul><li><a href="/1">Ten tips</a></li><li><a href="/2">More tips</a></li></ul></aside>
</main>
<div class="ad-slot ads">BUY NOW ADVERTISEMENT</div>
<footer><p>© 2024 Acme Inc. All rights reserved. Imprint, privacy, terms.</p></footer>
</body></html>`;

const article = `<p>A content flywheel turns published posts into insights, and insights into better posts. Each turn of
the wheel makes the next one cheaper, because the team learns what its audience actually reads.</p>
<p>Start with the context you already own: your website, your newsletter archive, the feeds of your blog.
Scraping them on a schedule keeps the library fresh without anyone copying and pasting text by hand.</p>
<p>Then measure. Likes, comments and shares per post, per platform, per topic tell you where to spend
the next hour of writing, and which drafts to leave in the drawer.</p>`;

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

describe("website sources", () => {
  it("stores the article text with metadata and without navigation, banners, ads, footers or scripts", async () => {
    site.route("/blog/flywheel", html(page(article)));
    const id = await h.addSource("website", `${site.url}/blog/flywheel`);
    const res = await h.scrape(id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "scraped", newItems: 1 });
    const [item] = await h.items(id);
    expect(item).toMatchObject({
      title: "Growing a content flywheel | Acme Blog",
      description: "How small teams keep their content engine turning.",
      url: `${site.url}/blog/flywheel`,
      itemKey: `${site.url}/blog/flywheel`,
      publishedAt: new Date("2024-04-02T08:30:00Z"),
    });
    expect(item!.text).toContain("A content flywheel turns published posts into insights");
    expect(item!.text).toContain("which drafts to leave in the drawer.");
    for (const junk of [
      "SCRIPT-SECRET",
      "cookies",
      "Pricing",
      "Related posts",
      "ADVERTISEMENT",
      "All rights reserved",
    ]) {
      expect(item!.text).not.toContain(junk);
    }
    expect(site.requests[0]?.headers["user-agent"]).toBe("FlywheelTest/1.0 (+scrape tests)");
    const source = await h.source(id);
    expect(source).toMatchObject({
      health: "healthy",
      consecutiveFailures: 0,
      itemCount: 1,
      lastError: null,
    });
    expect(source.lastSuccessAt).toBeInstanceOf(Date);
  });

  it("adds nothing for unchanged content and rewrites the one item when it changes", async () => {
    let body = article;
    site.route("/p", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" }).end(page(body));
    });
    const id = await h.addSource("website", `${site.url}/p`);
    expect((await h.scrape(id)).body).toMatchObject({ newItems: 1 });
    const [first] = await h.items(id);
    expect((await h.scrape(id)).body).toMatchObject({ newItems: 0, changedItems: 0, unchangedItems: 1 });
    const [same] = await h.items(id);
    expect(same!.updatedAt).toEqual(first!.updatedAt);
    body = `${article}<p>A new closing paragraph, added after the first scrape, says the wheel keeps turning.</p>`;
    expect((await h.scrape(id)).body).toMatchObject({ newItems: 0, changedItems: 1 });
    const items = await h.items(id);
    expect(items).toHaveLength(1);
    expect(items[0]!.text).toContain("the wheel keeps turning");
    expect(items[0]!.contentHash).not.toBe(first!.contentHash);
  });

  it("sends the stored ETag and Last-Modified, and a 304 is a success with nothing new", async () => {
    site.route("/cond", (req, res) => {
      if (req.headers["if-none-match"] === '"v1"') return void res.writeHead(304, { etag: '"v1"' }).end();
      res
        .writeHead(200, {
          "content-type": "text/html",
          etag: '"v1"',
          "last-modified": "Tue, 02 Apr 2024 08:30:00 GMT",
        })
        .end(page(article));
    });
    const id = await h.addSource("website", `${site.url}/cond`);
    expect((await h.scrape(id)).body).toMatchObject({ status: "scraped", newItems: 1 });
    expect(await h.source(id)).toMatchObject({ etag: '"v1"', lastModified: "Tue, 02 Apr 2024 08:30:00 GMT" });
    const res = await h.scrape(id);
    expect(res).toMatchObject({ status: 200, body: { status: "not_modified", newItems: 0 } });
    expect(site.requests.filter((r) => r.path === "/cond")[1]?.headers).toMatchObject({
      "if-none-match": '"v1"',
      "if-modified-since": "Tue, 02 Apr 2024 08:30:00 GMT",
    });
    expect(await h.source(id)).toMatchObject({ etag: '"v1"', health: "healthy", itemCount: 1 });
  });

  it("follows redirects (at most 5) and keys the item by the canonical URL", async () => {
    site.route("/old", (_req, res) => void res.writeHead(301, { location: "/older" }).end());
    site.route(
      "/older",
      (_req, res) => void res.writeHead(302, { location: `${site.url}/blog/flywheel` }).end(),
    );
    site.route("/blog/flywheel", html(page(article)));
    for (let i = 0; i < 6; i++)
      site.route(`/loop${i}`, (_req, res) => void res.writeHead(307, { location: `/loop${i + 1}` }).end());
    const id = await h.addSource("website", `${site.url}/old`);
    expect((await h.scrape(id)).body).toMatchObject({ newItems: 1 });
    expect((await h.items(id))[0]!.itemKey).toBe(`${site.url}/blog/flywheel`);
    const loop = await h.addSource("website", `${site.url}/loop0`);
    const res = await h.scrape(loop);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { code: "too_many_redirects" } });
  });

  it("keeps malformed HTML bounded and still finds the text", async () => {
    const broken = `<html><body><div><p>Unclosed paragraph about flywheels and content teams that write every day, ${"<b>bold <i>nested ".repeat(2000)} and the end of it all.<table><tr><td>cell`;
    site.route("/broken", html(broken));
    const id = await h.addSource("website", `${site.url}/broken`);
    const res = await h.scrape(id);
    expect(res.status).toBe(200);
    expect((await h.items(id))[0]!.text).toContain("Unclosed paragraph about flywheels");
  });
});
