// Host politeness across two relays: at most SCRAPER_HOST_CONCURRENCY (2) scrapes of one host at once;
// the others wait (waitingOn host, no attempt spent) and are woken as slots free; another host is not held up.
import { afterAll, beforeAll, expect, test } from "vitest";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { scrapeJob } from "../../handlers/scrape/index.js";
import { eventually } from "../helpers/eventually.js";
import { startTestService, type TestService } from "../helpers/service.js";
import { type FakeSite, startFakeSite } from "./fake-site.js";
import { articlePage, scrapeVia, scrapeView } from "./service-scrapes.js";

const env = { SCRAPER_ALLOW_PRIVATE_NETWORKS: "true", SCRAPER_HOST_CONCURRENCY: "2" };
let t: TestService;
let second: TestService;
let site: FakeSite;
let other: FakeSite;
let inFlight = 0;
let peak = 0;

beforeAll(async () => {
  site = await startFakeSite();
  site.fallback((req, res) => {
    if (!req.url?.startsWith("/p")) return res.writeHead(404).end();
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      res
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(articlePage(Number(req.url!.slice(2))));
    }, 500);
  });
  other = await startFakeSite();
  other.fallback((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(articlePage(99)));
  const catalog = createCatalog([scrapeJob]);
  t = await startTestService({ catalog, env });
  second = await startTestService({ catalog, env, db: t.db, redis: t.redis });
});
afterAll(async () => {
  await second?.stop();
  await t?.stop();
  await site?.close();
  await other?.close();
});

const scrape = (url: string) => scrapeVia(t, url);
const view = (id: string) => scrapeView(t, id);

test("six scrapes of one host run two at a time across two relays; another host runs meanwhile", async () => {
  const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => scrape(`${site.url}/p${i}`)));
  const waited = await eventually(async () => {
    for (const id of ids) {
      const j = await view(id);
      if (j.waitingOn?.reason === "host") return j;
    }
    return null;
  });
  expect(waited).toMatchObject({
    status: "queued",
    attempts: 0,
    waitingOn: { key: `127.0.0.1:${site.port}` },
  });
  const elsewhere = await scrape(`${other.url}/x`);
  await eventually(async () => (await view(elsewhere)).status === "completed");
  const stillRunning = (await Promise.all(ids.map(view))).filter((j) => j.status !== "completed").length;
  expect(stillRunning).toBeGreaterThan(0); // the other host did not wait for this one's queue
  const done = await eventually(
    async () => {
      const all = await Promise.all(ids.map(view));
      return all.every((j) => j.status === "completed") ? all : null;
    },
    { timeoutMs: 20_000 },
  );
  expect(done.every((j) => j.attempts === 1 && j.waitingOn === null)).toBe(true);
  expect(peak).toBe(2);
});
