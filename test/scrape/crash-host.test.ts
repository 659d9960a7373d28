// kill -9 of a relay while scrapes wait on their host (reason host, SCRAPER_HOST_CONCURRENCY 2): the
// surviving relay wakes them as its own scrapes of that host finish, each runs once, never more than two at
// a time; a scrape of another host that was running on the killed relay comes back as a lost attempt.
import { afterAll, beforeAll, expect, test } from "vitest";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { scrapeJob } from "../../handlers/scrape/index.js";
import { type ChildService, relayEnv as childRelayEnv, spawnService } from "../helpers/child.js";
import { eventually } from "../helpers/eventually.js";
import { runOutcomes, startTestService, type TestService } from "../helpers/service.js";
import { type FakeSite, startFakeSite } from "./fake-site.js";
import { articlePage, scrapeVia, scrapeView } from "./service-scrapes.js";

const env = {
  SCRAPER_ALLOW_PRIVATE_NETWORKS: "true",
  SCRAPER_HOST_CONCURRENCY: "2",
  LOCK_DURATION_MS: "2000",
  STALLED_INTERVAL_MS: "1000",
};
let t: TestService;
let child: ChildService | null = null;
let site: FakeSite;
let other: FakeSite;
let inFlight = 0;
let peak = 0;

/** Pages /p<n>: /p0 and /p1 take `firstMs` (they hold the host while the test sets up), the others `ms`. */
function slow(firstMs: number, ms: number, count: boolean) {
  return (req: { url?: string }, res: import("node:http").ServerResponse) => {
    if (!req.url?.startsWith("/p")) return res.writeHead(404).end();
    if (count) peak = Math.max(peak, ++inFlight);
    const n = Number(req.url.slice(2));
    setTimeout(
      () => {
        if (count) inFlight--;
        res
          .writeHead(200, { "content-type": "text/html; charset=utf-8" })
          .end(articlePage(Number(req.url!.slice(2))));
      },
      n < 2 ? firstMs : ms,
    );
  };
}

beforeAll(async () => {
  site = await startFakeSite();
  site.fallback(slow(8_000, 300, true));
  other = await startFakeSite();
  other.fallback(slow(4_000, 4_000, false));
  // The survivor: API, handlers and a relay with two slots, all in this process.
  t = await startTestService({
    catalog: createCatalog([scrapeJob]),
    env: { ...env, RELAY_CONCURRENCY: "2" },
  });
});
afterAll(async () => {
  if (child && child.process.exitCode === null) child.process.kill("SIGKILL");
  await t?.stop();
  await site?.close();
  await other?.close();
});

const scrape = (url: string) => scrapeVia(t, url);
const view = (id: string) => scrapeView(t, id);
const outcomes = (id: string) => runOutcomes(t.db, id);

test("kill -9 of a relay while scrapes wait on their host: nothing lost, nothing doubled", {
  timeout: 60_000,
}, async () => {
  // The survivor's two slots run two scrapes of the host, holding both of its host slots.
  const first = await Promise.all([0, 1].map((i) => scrape(`${site.url}/p${i}`)));
  await eventually(async () => (await Promise.all(first.map(view))).every((j) => j.status === "active"), {
    timeoutMs: 10_000,
  });
  child = await spawnService(
    childRelayEnv(
      { db: t.db, redis: t.redis, handlersUrl: `${t.url}/handlers` },
      {
        ...env,
        FIXTURE_CATALOG: "scrape",
        RELAY_CONCURRENCY: "4",
      },
    ),
  );
  // The relay about to be killed takes the rest: four scrapes of the host wait, one of another host runs.
  const waiting = await Promise.all([2, 3, 4, 5].map((i) => scrape(`${site.url}/p${i}`)));
  const elsewhere = await scrape(`${other.url}/p9`);
  await eventually(
    async () => {
      for (const id of waiting) if ((await view(id)).waitingOn?.reason !== "host") return false;
      return (await view(elsewhere)).status === "active";
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  );
  child.process.kill("SIGKILL");
  await child.exited;

  const done = (id: string) =>
    eventually(
      async () => {
        const j = await view(id);
        return j.status === "completed" ? j : null;
      },
      { timeoutMs: 25_000, message: `scrape ${id} completed` },
    );
  for (const id of [...first, ...waiting]) {
    const j = await done(id);
    expect(j.attempts).toBe(1);
    expect(j.waitingOn).toBeNull();
    expect(await outcomes(id)).toEqual(["completed"]);
  }
  expect((await done(elsewhere)).attempts).toBe(2);
  expect(await outcomes(elsewhere)).toEqual(["lost", "completed"]);
  expect(peak).toBe(2);
  // Each page of the host was fetched once: no scrape ran twice.
  const pages = site.requests.filter((r) => r.path.startsWith("/p")).map((r) => r.path);
  expect(pages.sort()).toEqual(["/p0", "/p1", "/p2", "/p3", "/p4", "/p5"]);
});
