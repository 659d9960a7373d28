// The per-organization cap across relays (src/relay/org-cap.ts) on real Redis: two OrgCap instances stand
// for two relays sharing one organization's slots.
import { afterAll, beforeAll, expect, test } from "vitest";
import { diffCounts, installRedisCounter, redisCounts } from "../../bench/redis-counter.js";
import { IDLE_RELEASE_MS, OrgCap } from "../../src/relay/org-cap.js";
import { eventually } from "../helpers/eventually.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";

let r: TestRedis;
beforeAll(async () => {
  installRedisCounter();
  r = await createTestRedis();
});
afterAll(() => r.cleanup());

const capCalls = (since: Record<string, number>) => diffCounts(redisCounts(), since)["evalsha orgCap"] ?? 0;

test("two relays never hold more than the cap; a finished job's slot serves the next one, then goes back", async () => {
  const other = r.client.duplicate();
  const a = new OrgCap(r.client, r.prefix, 3);
  const b = new OrgCap(other, r.prefix, 3);
  const org = "org_shared";
  const key = `${r.prefix}:orgcap:${org}`;
  try {
    const a1 = await a.acquire(org, 1000);
    const a2 = await a.acquire(org, 1000);
    const b1 = await b.acquire(org, 1000);
    expect([a1, a2, b1].every((s) => s !== null)).toBe(true);
    expect(await b.acquire(org, 1000)).toBeNull(); // at the cap, whichever relay asks
    expect(await a.acquire(org, 1000)).toBeNull();

    // a's job finished: a's next job of the organization takes that slot, with no Redis call.
    const before = redisCounts();
    a.release(org, a1!);
    const again = await a.acquire(org, 1000);
    expect(again?.id).toBe(a1!.id);
    expect(capCalls(before)).toBe(0);
    expect(await b.acquire(org, 1000)).toBeNull();

    // a's jobs are done and no more come: within IDLE_RELEASE_MS its slots go back and b can use them.
    a.release(org, again!);
    a.release(org, a2!);
    expect(await r.client.zcard(key)).toBe(3);
    const taken = await eventually(
      async () => {
        const s = await b.acquire(org, 1000);
        return s ?? null;
      },
      { timeoutMs: IDLE_RELEASE_MS * 10, intervalMs: 20 },
    );
    expect(taken).not.toBeNull();
    expect(await r.client.zcard(key)).toBeLessThanOrEqual(3);

    // Stopping gives back what a relay holds.
    b.release(org, b1!);
    b.release(org, taken);
    await Promise.all([a.sweep(true), b.sweep(true)]);
    expect(await r.client.zcard(key)).toBe(0);
  } finally {
    other.disconnect();
  }
});

test("cap 0 means no cap and no Redis commands", async () => {
  const before = redisCounts();
  const off = new OrgCap(r.client, r.prefix, 0);
  const slots = await Promise.all(Array.from({ length: 20 }, () => off.acquire("org_free", 1000)));
  expect(slots.every((s) => s !== null)).toBe(true);
  expect(capCalls(before)).toBe(0);
});
