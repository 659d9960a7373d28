// The relay's one slot pool, as a pure in-process structure: any type may use any free slot up to its
// maximum; freed slots go to the waiting type running the fewest; closing refuses the waiters.
import { describe, expect, test } from "vitest";
import { SlotPool } from "../../src/relay/slot-pool.js";

const take = async (pool: SlotPool, type: string, n: number) => {
  const got: Promise<boolean>[] = [];
  for (let i = 0; i < n; i++) got.push(pool.acquire(type));
  return got;
};

describe("SlotPool", () => {
  test("a lone type uses every slot; its maximum caps it; nothing beyond the total", async () => {
    const pool = new SlotPool(10, (t) => (t === "scrape" ? 3 : 10));
    await Promise.all(await take(pool, "content", 10));
    expect(pool.inUse).toBe(10);
    let extra = false;
    void pool.acquire("content").then(() => {
      extra = true;
    });
    await Promise.resolve();
    expect(extra).toBe(false);
    const capped = new SlotPool(10, (t) => (t === "scrape" ? 3 : 10));
    const scrape = await take(capped, "scrape", 5);
    await Promise.all(scrape.slice(0, 3));
    expect(capped.runningOf("scrape")).toBe(3);
    expect(capped.waitingOf("scrape")).toBe(2);
    expect(capped.inUse).toBe(3); // seven slots free for the other types
    await capped.acquire("content");
    expect(capped.inUse).toBe(4);
  });

  test("a type that lent its slots gets them back as they free, up to an equal share", async () => {
    const pool = new SlotPool(9);
    await Promise.all(await take(pool, "content", 9)); // content took everything
    await take(pool, "scrape", 5);
    await take(pool, "analytics", 5);
    await take(pool, "content", 5);
    // Nine content jobs end one by one: the freed slots go to the types running the fewest.
    for (let i = 0; i < 6; i++) pool.release("content");
    await Promise.resolve();
    expect([pool.runningOf("content"), pool.runningOf("scrape"), pool.runningOf("analytics")]).toEqual([
      3, 3, 3,
    ]);
    expect(pool.inUse).toBe(9);
  });

  test("close refuses every waiter and every later acquire", async () => {
    const pool = new SlotPool(1);
    expect(await pool.acquire("a")).toBe(true);
    const waiting = pool.acquire("b");
    pool.close();
    expect(await waiting).toBe(false);
    expect(await pool.acquire("a")).toBe(false);
  });
});
