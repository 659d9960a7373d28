// Limits and housekeeping: the enqueue rate limit, the per-organization cap on active jobs, the eviction
// policy warning, retention, onFailed, and 503 when Postgres is down.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { createCatalog } from "../../handlers/kit/catalog.js";
import { defineJobType } from "../../handlers/kit/define.js";
import { PermanentError } from "../../handlers/kit/errors.js";
import { eventually } from "../helpers/eventually.js";
import { jobOf, startTestService, type TestService } from "../helpers/service.js";
import { startPrivateRedis } from "../helpers/services.js";
import { echo, scripted } from "../helpers/test-types.js";

const failedCalls: string[] = [];
const doomed = defineJobType({
  type: "doomed",
  payload: z.object({ tag: z.string() }),
  timeoutMs: 5_000,
  async run() {
    throw new PermanentError("never", "this can never succeed");
  },
  async onFailed(_ctx, job) {
    failedCalls.push(job.payload.tag);
  },
});

describe("rate limit, org cap, onFailed, retention", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({
      catalog: createCatalog([echo, scripted, doomed]),
      env: { ENQUEUE_RATE_LIMIT: "5", ORG_MAX_ACTIVE: "2", RELAY_CONCURRENCY: "30" },
    });
  });
  afterAll(() => t.stop());

  test("an organization over ENQUEUE_RATE_LIMIT gets 429 + Retry-After; another organization does not", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.api("/v1/jobs", {
        method: "POST",
        json: { type: "echo", userId: "u", payload: { value: "r" } },
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.at(-1)).toBe(429);
    const other = (await (await t.api("/admin/orgs", { method: "POST", json: { name: "o2" } })).json()) as {
      apiKey: string;
    };
    const res = await t.api("/v1/jobs", {
      method: "POST",
      key: other.apiKey,
      json: { type: "echo", userId: "u", payload: { value: "r" } },
    });
    expect(res.status).toBe(202);
  });

  type NewOrg = { apiKey: string; org: { id: string } };

  /** Five 400 ms jobs of a new organization; the most that were active at once, and what waiting jobs waited on. */
  async function peakActive(limits?: { maxActive: number; hard: boolean }): Promise<number> {
    return (await burst(limits)).peak;
  }

  async function burst(
    limits?: { maxActive: number | null; hard: boolean | null; enqueuePerMinute?: number },
    org?: NewOrg,
  ) {
    const other =
      org ??
      ((await (await t.api("/admin/orgs", { method: "POST", json: { name: "capped" } })).json()) as NewOrg);
    if (limits) {
      const put = await t.api(`/admin/orgs/${other.org.id}/limits`, { method: "PUT", json: limits });
      expect(put.status).toBe(200);
    }
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.api("/v1/jobs", {
        method: "POST",
        key: other.apiKey,
        json: { type: "echo", userId: `u${i}`, payload: { value: "c", delayMs: 400 } },
      });
      ids.push(((await res.json()) as { job: { id: string } }).job.id);
    }
    let maxActive = 0;
    const reasons = new Set<string>();
    await eventually(
      async () => {
        const statuses = await Promise.all(
          ids.map(
            async (id) =>
              (await t.api(`/v1/jobs/${id}`, { key: other.apiKey }).then((r) => r.json())) as {
                job: { status: string; waitingOn: { reason: string } | null };
              },
          ),
        );
        for (const s of statuses) if (s.job.waitingOn) reasons.add(s.job.waitingOn.reason);
        maxActive = Math.max(maxActive, statuses.filter((s) => s.job.status === "active").length);
        return statuses.every((s) => s.job.status === "completed");
      },
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    return { peak: maxActive, reasons };
  }

  test("a hard cap (an organization's override) is never exceeded; the others wait on org_cap", async () => {
    const { peak, reasons } = await burst({ maxActive: 2, hard: true });
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
    expect([...reasons]).toEqual(["org_cap"]);
  });

  test("an organization's enqueuePerMinute override replaces ENQUEUE_RATE_LIMIT for it", async () => {
    const org = (await (await t.api("/admin/orgs", { method: "POST", json: { name: "tier" } })).json()) as {
      apiKey: string;
      org: { id: string };
    };
    await t.api(`/admin/orgs/${org.org.id}/limits`, { method: "PUT", json: { enqueuePerMinute: 2 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.api("/v1/jobs", {
        method: "POST",
        key: org.apiKey,
        json: { type: "echo", userId: "u", payload: { value: "tier" } },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([202, 202, 429]);
  });

  test("a changed override applies within the limits cache's 5 s", async () => {
    const org = (await (
      await t.api("/admin/orgs", { method: "POST", json: { name: "tiered" } })
    ).json()) as NewOrg;
    // Its own enqueue limit raised too: this test posts more than ENQUEUE_RATE_LIMIT (5) a minute.
    expect((await burst({ maxActive: 1, hard: true, enqueuePerMinute: 1000 }, org)).peak).toBe(1);
    await t.api(`/admin/orgs/${org.org.id}/limits`, { method: "PUT", json: { maxActive: null, hard: null } });
    const lifted = await eventually(async () => ((await burst(undefined, org)).peak > 1 ? true : null), {
      timeoutMs: 15_000,
    });
    expect(lifted).toBe(true);
  }, 30_000);

  test("the soft ORG_MAX_ACTIVE lends its share: a lone organization runs past it", async () => {
    expect(await peakActive()).toBeGreaterThan(2);
  });

  test("a job that fails for good calls its type's onFailed once", async () => {
    const other = (await (await t.api("/admin/orgs", { method: "POST", json: { name: "doom" } })).json()) as {
      apiKey: string;
    };
    const res = await t.api("/v1/jobs", {
      method: "POST",
      key: other.apiKey,
      json: { type: "doomed", userId: "u", payload: { tag: "t1" } },
    });
    const id = ((await res.json()) as { job: { id: string } }).job.id;
    await eventually(
      async () =>
        ((await (await t.api(`/v1/jobs/${id}`, { key: other.apiKey })).json()) as { job: { status: string } })
          .job.status === "failed",
    );
    await eventually(() => failedCalls.includes("t1"));
    expect(failedCalls.filter((x) => x === "t1")).toHaveLength(1);
  });

  test("revoked API keys stop working", async () => {
    const created = (await (
      await t.api("/admin/orgs", { method: "POST", json: { name: "revoke-me" } })
    ).json()) as { apiKey: string; apiKeyId: string };
    expect((await t.api("/v1/jobs", { key: created.apiKey })).status).toBe(200);
    expect((await t.api(`/admin/api-keys/${created.apiKeyId}`, { method: "DELETE" })).status).toBe(200);
    expect((await t.api("/v1/jobs", { key: created.apiKey })).status).toBe(401);
    expect(
      (
        await t.api("/admin/orgs", {
          method: "POST",
          json: { name: "x" },
          headers: { authorization: "Bearer wrong" },
        })
      ).status,
    ).toBe(401);
  });
});

describe("retention and eviction warning", () => {
  test("purge removes only finished history past retention; a noeviction warning is logged for allkeys-lru", async () => {
    const redis = await startPrivateRedis({ args: ["--maxmemory-policy", "allkeys-lru"] });
    const t = await startTestService({
      redis: { url: redis.url, prefix: "ev" },
      env: { JOB_RETENTION_DAYS: "30" },
    });
    try {
      await eventually(() => t.logs.some((l) => l.includes("maxmemory-policy") && l.includes("allkeys-lru")));
      const res = await t.api("/v1/jobs", {
        method: "POST",
        json: { type: "echo", userId: "u", payload: { value: "old" } },
      });
      const id = ((await res.json()) as { job: { id: string } }).job.id;
      await eventually(async () => (await jobOf(t, id)).status === "completed");
      const live = await t.api("/v1/jobs", {
        method: "POST",
        json: {
          type: "echo",
          userId: "u",
          payload: { value: "live" },
          runAt: new Date(Date.now() + 600_000).toISOString(),
        },
      });
      const liveId = ((await live.json()) as { job: { id: string } }).job.id;
      await t.db.db.execute(
        sql`update jobs set finished_at = now() - interval '31 days', created_at = now() - interval '31 days' where id = ${id}`,
      );
      await t.db.db.execute(
        sql`update jobs set created_at = now() - interval '31 days' where id = ${liveId}`,
      );
      const { purgeFinishedBefore } = await import("../../db/queries/jobs.js");
      expect(await purgeFinishedBefore(t.db.db, new Date(Date.now() - 30 * 86_400_000))).toBe(1);
      expect((await t.api(`/v1/jobs/${id}`)).status).toBe(404);
      expect((await t.api(`/v1/jobs/${liveId}`)).status).toBe(200);
    } finally {
      await t.stop();
      await redis.stop();
    }
  });
});
