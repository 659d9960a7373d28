// The usual setup of a scrape test file: one harness (database, Redis, handlers app) for the file and a
// fresh local site per test, both torn down after. Read `fx.h` and `fx.site` inside tests.
import { afterAll, beforeAll, beforeEach } from "vitest";
import { type FakeSite, startFakeSite } from "./fake-site.js";
import { createHarness, type Harness } from "./harness.js";

export function useScrapeFixtures(): { h: Harness; site: FakeSite } {
  const fx = {} as { h: Harness; site: FakeSite };
  beforeAll(async () => {
    fx.h = await createHarness();
  });
  afterAll(async () => {
    await fx.h.close();
  });
  beforeEach(async () => {
    fx.site = await startFakeSite();
    return () => fx.site.close();
  });
  return fx;
}
