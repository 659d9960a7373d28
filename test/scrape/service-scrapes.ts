// Scrapes through a running test service's API (host politeness, crash tests): a readable article page to
// serve, a website source created and scraped in one call, and the job as the API shows it.
import { expect } from "vitest";
import type { TestService } from "../helpers/service.js";

/** An article long enough for the extractor, numbered `n`. */
export const articlePage = (n: number) =>
  `<html lang="en"><head><title>Page ${n}</title></head><body><article><h1>Page ${n}</h1>${"<p>Slow but steady content about our product line, written for people who read. </p>".repeat(8)}</article></body></html>`;

/** Creates a website source for `url` and asks for a scrape of it; the scrape job's id. */
export async function scrapeVia(t: TestService, url: string): Promise<string> {
  const created = await t.api("/v1/context-sources", {
    method: "POST",
    json: { userId: "u1", kind: "website", url },
  });
  expect(created.status).toBe(201);
  const { source } = (await created.json()) as { source: { id: string } };
  const res = await t.api(`/v1/context-sources/${source.id}/scrape`, { method: "POST" });
  return ((await res.json()) as { job: { id: string } }).job.id;
}

export interface ScrapeView {
  status: string;
  attempts: number;
  waitingOn: { reason: string; key: string } | null;
}

export async function scrapeView(t: TestService, id: string): Promise<ScrapeView> {
  return ((await (await t.api(`/v1/jobs/${id}`)).json()) as { job: ScrapeView }).job;
}
