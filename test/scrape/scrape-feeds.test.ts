// The scrape job on feed sources (RSS 2.0, Atom, RDF, a 1,000-entry feed): one item per new entry,
// entries already stored skipped, HTML stripped; hostile XML fails cleanly without retry.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeSite, html, type Route, startFakeSite } from "./fake-site.js";
import { atom, entityBomb, externalEntity, rdf, rss2 } from "./feeds.js";
import { createHarness, errorCode, type Harness } from "./harness.js";

const xml =
  (body: () => string, type = "application/rss+xml"): Route =>
  (_req, res) => {
    res.writeHead(200, { "content-type": type }).end(body());
  };

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

describe("feed sources", () => {
  it("RSS 2.0: one item per entry with title, link, date and plain text; re-scrapes skip stored entries", async () => {
    const entries = [
      {
        guid: "p1",
        title: "First post",
        html: "<p>Hello <b>flywheel</b> readers.</p><script>x()</script>",
        date: new Date("2024-01-01T10:00:00Z"),
      },
      {
        guid: "p2",
        title: "Second post",
        html: "<p>More text &amp; more.</p>",
        date: new Date("2024-01-02T10:00:00Z"),
      },
    ];
    site.route(
      "/feed.xml",
      xml(() => rss2(entries)),
    );
    const id = await h.addSource("rss", `${site.url}/feed.xml`);
    expect((await h.scrape(id)).body).toMatchObject({ status: "scraped", newItems: 2 });
    const items = await h.items(id);
    expect(items.map((i) => [i.itemKey, i.title, i.url, i.text, i.publishedAt?.toISOString()])).toEqual([
      [
        "p1",
        "First post",
        "https://blog.example.com/p1",
        "Hello flywheel readers.",
        "2024-01-01T10:00:00.000Z",
      ],
      ["p2", "Second post", "https://blog.example.com/p2", "More text & more.", "2024-01-02T10:00:00.000Z"],
    ]);
    entries.push({
      guid: "p3",
      title: "Third post",
      html: "<p>New.</p>",
      date: new Date("2024-01-03T10:00:00Z"),
    });
    expect((await h.scrape(id)).body).toMatchObject({ newItems: 1, unchangedItems: 2 });
    expect(await h.source(id)).toMatchObject({ itemCount: 3, health: "healthy" });
  });

  it("Atom: entries keyed by id, relative links resolved against the feed", async () => {
    site.route(
      "/atom",
      xml(() => atom, "application/atom+xml"),
    );
    const id = await h.addSource("rss", `${site.url}/atom`);
    expect((await h.scrape(id)).body).toMatchObject({ newItems: 2 });
    const items = await h.items(id);
    expect(items.map((i) => [i.itemKey, i.title, i.url, i.text])).toEqual([
      ["urn:uuid:entry-1", "Atom entry one", `${site.url}/posts/one`, "First atom body about flywheels."],
      ["urn:uuid:entry-2", "Atom entry two", "https://atom.example.com/posts/two", "Second summary text."],
    ]);
    expect(items[0]!.publishedAt?.toISOString()).toBe("2024-05-01T09:00:00.000Z");
  });

  it("RDF (RSS 1.0): entries keyed by link", async () => {
    site.route(
      "/rdf",
      xml(() => rdf, "application/rdf+xml"),
    );
    const id = await h.addSource("rss", `${site.url}/rdf`);
    expect((await h.scrape(id)).body).toMatchObject({ newItems: 2 });
    const items = await h.items(id);
    expect(items.map((i) => [i.itemKey, i.title, i.text])).toEqual([
      ["https://rdf.example.com/a", "RDF item A", "Alpha text of the RDF item."],
      ["https://rdf.example.com/b", "RDF item B", "Beta text."],
    ]);
  });

  it("a 1,000-entry feed is stored in one scrape, and a re-scrape adds nothing", async () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({
      guid: `e${String(i).padStart(4, "0")}`,
      title: `Entry ${i}`,
      html: `<p>Body of entry ${i}, with a few words about content marketing and flywheels.</p>`,
      date: new Date(Date.UTC(2024, 0, 1) + i * 60_000),
    }));
    site.route(
      "/big",
      xml(() => rss2(entries)),
    );
    const id = await h.addSource("rss", `${site.url}/big`);
    const t0 = Date.now();
    expect((await h.scrape(id)).body).toMatchObject({ newItems: 1000 });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(await h.items(id)).toHaveLength(1000);
    expect((await h.scrape(id)).body).toMatchObject({ newItems: 0, unchangedItems: 1000 });
    expect(await h.source(id)).toMatchObject({ itemCount: 1000 });
  });

  it("entity bombs, external entities, malformed XML and HTML pages fail as not_a_feed, without retry", async () => {
    site.route(
      "/bomb",
      xml(() => entityBomb),
    );
    site.route(
      "/xxe",
      xml(() => externalEntity),
    );
    site.route(
      "/garbage",
      xml(() => "<rss><channel><item><title>unclosed"),
    );
    site.route("/page", html("<!doctype html><html><body><p>not a feed</p></body></html>"));
    for (const path of ["/bomb", "/xxe", "/garbage", "/page"]) {
      const id = await h.addSource("rss", `${site.url}${path}`);
      const res = await h.scrape(id);
      expect(res.status, path).toBe(422);
      expect(errorCode(res.body), path).toBe("not_a_feed");
      expect(await h.items(id)).toHaveLength(0);
    }
  });
});
