// The benchmark's arithmetic and parsing, without services: percentiles, the results table's comparisons
// and pass marks, the Redis command counter's labels, and reading the reused scripts' markdown.
import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import { diffCounts, installRedisCounter, redisCounts, totalOf } from "../../bench/redis-counter.js";
import { table } from "../../bench/report.js";
import { parseIdle, parseSchedule } from "../../bench/reuse.js";
import { median, percentile } from "../../bench/stats.js";

describe("bench arithmetic", () => {
  it("takes nearest-rank percentiles and medians", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it("shows ratios, deltas and misses in the table", () => {
    const md = table([
      {
        scenario: "1",
        metric: "rate",
        unit: "jobs/s",
        system: 400,
        raw: 1000,
        compare: "ratio",
        target: "≥ 0.5",
        pass: false,
      },
      {
        scenario: "4",
        metric: "p50",
        unit: "ms",
        system: 5,
        raw: 3,
        compare: "delta",
        target: "+2",
        pass: true,
      },
    ]);
    expect(md).toContain("| 1 | rate | 400 jobs/s | 1,000 jobs/s | 0.40× | ≥ 0.5 | **miss** |");
    expect(md).toContain("| 4 | p50 | 5.00 ms | 3.00 ms | +2.00 | +2 | pass |");
  });
});

describe("bench Redis command counter", () => {
  it("counts each command once, naming scripts", async () => {
    installRedisCounter();
    const redis = new Redis(inject("redisUrl"), { lazyConnect: true });
    redis.defineCommand("benchProbe", { numberOfKeys: 0, lua: "return 1" });
    const before = redisCounts();
    await redis.connect();
    const probe = redis as Redis & { benchProbe(): Promise<number> };
    await probe.benchProbe();
    await probe.benchProbe();
    await redis.ping();
    const d = diffCounts(redisCounts(), before);
    redis.disconnect();
    expect(d["evalsha benchProbe"]).toBe(2);
    expect(d.ping).toBe(1);
    expect(totalOf(d)).toBeGreaterThanOrEqual(3);
  });
});

describe("reused bench scripts' output", () => {
  it("reads idle-commands.ts tables", () => {
    const md = [
      "| command | in window | per hour |",
      "|---|---:|---:|",
      "| evalsha | 12 | 2160 |",
      "| bzpopmin | 5 | 900 |",
      "| **total sent by clients** | **17** | **3060** |",
      "",
      "| queue (worker) | in window | per hour |",
      "|---|---:|---:|",
      "| _scheduler | 5 | 900 |",
    ].join("\n");
    expect(parseIdle(md)).toEqual({
      perHour: { evalsha: 2160, bzpopmin: 900 },
      byQueue: { _scheduler: 900 },
      total: 3060,
    });
  });

  it("reads schedule-precision.ts's row", () => {
    const md = "| bullmq | `*/1 * * * * *` | 44 (~45) | 12 ms | 85 ms | 90 ms | 100.0 % |";
    expect(parseSchedule(md)).toEqual({ fires: 44, p50: 12, p99: 85 });
  });
});
