// The per-organization cap across relays (src/relay/org-cap.ts) on real Redis: two OrgCap instances stand
// for two relays sharing one organization's slots. A hard cap is exact; a soft cap lends its share when no
// other organization under its cap waits at the head of the queue.
import { Queue } from "bullmq";
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

const hard = { limits: async () => ({ maxActive: 3, hard: true }) };
const soft = (caps: Record<string, number>) => ({
  limits: async (orgId: string) => ({ maxActive: caps[orgId] ?? 2, hard: false }),
});

const capCalls = (since: Record<string, number>) => diffCounts(redisCounts(), since)["evalsha orgCap"] ?? 0;

test("two relays never hold more than a hard cap; a finished job's slot serves the next one, then goes back", async () => {
  const other = r.client.duplicate();
  const a = new OrgCap({ redis: r.client, prefix: r.prefix, ...hard });
  const b = new OrgCap({ redis: other, prefix: r.prefix, ...hard });
  const org = "org_shared";
  const key = `${r.prefix}:orgcap:${org}`;
  try {
    const a1 = await a.acquire(org, 1000, "q");
    const a2 = await a.acquire(org, 1000, "q");
    const b1 = await b.acquire(org, 1000, "q");
    expect([a1, a2, b1].every((s) => s !== null)).toBe(true);
    expect(await b.acquire(org, 1000, "q")).toBeNull(); // at the cap, whichever relay asks
    expect(await a.acquire(org, 1000, "q")).toBeNull();

    // a's job finished: a's next job of the organization takes that slot, with no Redis call.
    const before = redisCounts();
    a.release(org, a1!);
    const again = await a.acquire(org, 1000, "q");
    expect(again?.id).toBe(a1!.id);
    expect(capCalls(before)).toBe(0);
    expect(await b.acquire(org, 1000, "q")).toBeNull();

    // a's jobs are done and no more come: within IDLE_RELEASE_MS its slots go back and b can use them.
    a.release(org, again!);
    a.release(org, a2!);
    expect(await r.client.zcard(key)).toBe(3);
    const taken = await eventually(
      async () => {
        const s = await b.acquire(org, 1000, "q");
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
  const off = new OrgCap({
    redis: r.client,
    prefix: r.prefix,
    limits: async () => ({ maxActive: 0, hard: false }),
  });
  const slots = await Promise.all(Array.from({ length: 20 }, () => off.acquire("org_free", 1000, "q")));
  expect(slots.every((s) => s !== null)).toBe(true);
  expect(capCalls(before)).toBe(0);
});

test("a soft cap lends: alone, an organization goes past it; with another under its cap waiting, it waits", async () => {
  const queue = new Queue("soft", { connection: r.client, prefix: r.prefix });
  const cap = new OrgCap({ redis: r.client, prefix: r.prefix, ...soft({ org_busy: 2, org_new: 2 }) });
  try {
    const held = [await cap.acquire("org_busy", 1000, "soft"), await cap.acquire("org_busy", 1000, "soft")];
    expect(held.every((s) => s?.id)).toBe(true); // two leases: at the cap
    // Nothing else waits: the third and fourth get unleased slots (the organization is alone).
    const lent = [await cap.acquire("org_busy", 1000, "soft"), await cap.acquire("org_busy", 1000, "soft")];
    expect(lent.map((s) => s?.id)).toEqual(["", ""]);
    // A newcomer's job waits at the head of the queue: once the look expires, org_busy waits its turn.
    await queue.add("soft", { orgId: "org_new", userId: "u" });
    const refused = await eventually(async () => (await cap.acquire("org_busy", 1000, "soft")) === null, {
      timeoutMs: 2_000,
    });
    expect(refused).toBe(true);
    expect((await cap.acquire("org_new", 1000, "soft"))?.id).toBeTruthy(); // the newcomer is under its cap
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
});
