// The streaming sitemap reader on its own: entries as they stream (split anywhere), gzip by magic bytes,
// prefixed tags and entities, and the entry and byte caps that cut a sitemap short (complete: false).
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readSitemap, type SitemapEntry } from "../../handlers/scrape/sitemap-stream.js";
import { sitemapIndex, urlset } from "./fake-sitemaps.js";

/** The bytes as a stream of 7-byte chunks, so tags and UTF-8 sequences are split across reads. */
function chunked(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, at + 7));
      at += 7;
    },
  });
}

async function read(body: string | Uint8Array, limits = { maxEntries: 50_000, maxBytes: 50 * 1024 * 1024 }) {
  const pages: SitemapEntry[] = [];
  const sitemaps: SitemapEntry[] = [];
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const out = await readSitemap(
    chunked(bytes),
    { page: (e) => pages.push(e), sitemap: (e) => sitemaps.push(e) },
    limits,
  );
  return { ...out, pages, sitemaps };
}

const twenty = urlset(
  Array.from({ length: 20 }, (_, i) => ({
    loc: `https://a.example/${i}?x=1&amp;y=ü`,
    lastmod: `2024-03-0${(i % 9) + 1}`,
  })),
);

describe("readSitemap", () => {
  it("reads urlset entries with lastmod and entities, plain or gzipped, split across chunks", async () => {
    for (const body of [twenty, gzipSync(twenty)]) {
      const out = await read(body);
      expect(out).toMatchObject({ entries: 20, complete: true });
      expect(out.pages[3]).toEqual({ loc: "https://a.example/3?x=1&y=ü", lastmod: new Date("2024-03-04") });
    }
  });

  it("reads a sitemap index's children, also with prefixed tags", async () => {
    expect(
      (await read(sitemapIndex(["https://a.example/s1.xml", "https://a.example/s2.xml"]))).sitemaps.map(
        (s) => s.loc,
      ),
    ).toEqual(["https://a.example/s1.xml", "https://a.example/s2.xml"]);
    const prefixed = `<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:url><sm:loc>https://a.example/p</sm:loc></sm:url></sm:urlset>`;
    expect((await read(prefixed)).pages).toEqual([{ loc: "https://a.example/p", lastmod: null }]);
  });

  it("stops at the entry cap and at the byte cap, saying it is incomplete", async () => {
    expect(await read(twenty, { maxEntries: 5, maxBytes: 1e6 })).toMatchObject({
      entries: 5,
      complete: false,
    });
    const cut = await read(gzipSync(twenty), { maxEntries: 100, maxBytes: 400 });
    expect(cut.complete).toBe(false);
    expect(cut.entries).toBeLessThan(20);
  });
});
