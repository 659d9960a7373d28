// Sitemaps and article pages for site-crawl tests: urlset / sitemapindex XML, a gzipped route, and pages
// with enough text to be extracted, each naming its own number so tests can tell which ones were stored.
import { gzipSync } from "node:zlib";
import type { Route } from "./fake-site.js";

export interface SitemapUrl {
  loc: string;
  lastmod?: string;
}

export const urlset = (urls: SitemapUrl[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls
    .map((u) => `<url><loc>${u.loc}</loc>${u.lastmod ? `<lastmod>${u.lastmod}</lastmod>` : ""}</url>`)
    .join("\n")}\n</urlset>`;

export const sitemapIndex = (locs: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${locs
    .map((l) => `<sitemap><loc>${l}</loc></sitemap>`)
    .join("\n")}\n</sitemapindex>`;

export const xml =
  (body: () => string): Route =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "application/xml" }).end(body());
  };

/** A `.xml.gz` file: gzip bytes as the body, no Content-Encoding (as static hosts serve them). */
export const gzipped =
  (body: () => string): Route =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "application/x-gzip" }).end(gzipSync(body()));
  };

export const articlePage = (name: string, links: string[] = [], extra = "") => `<!doctype html>
<html lang="en"><head><title>Article ${name} about content flywheels</title></head><body>
<nav>${links.map((l) => `<a href="${l}">${l}</a>`).join(" ")}</nav>
<main><article><h1>Article ${name}</h1>
<p>Article ${name} explains how a small marketing team keeps its content flywheel turning, week after
week, by reusing what it already published and measuring what the audience reads. ${extra}</p>
<p>The second paragraph of article ${name} adds detail about scheduling, feeds and analytics, so that the
extractor sees a real body of text rather than a stub, and keeps it as the main content of the page.</p>
</article></main></body></html>`;
