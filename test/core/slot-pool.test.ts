// One slot pool per relay, through the real service: with RELAY_CONCURRENCY=10 a burst of one type
// runs ten at once (the other types' idle slots are lent), never more; another type's work arriving
// mid-burst gets the next freed slots instead of waiting for the burst to end.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { rowsOf } from "../../db/queries/rows.js";
import { eventually } from "../helpers/eventually.js";
import { startTestService, type TestService } from "../helpers/service.js";

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ env: { RELAY_CONCURRENCY: "10", ORG_MAX_ACTIVE: "0" } });
});
afterAll(async () => t?.stop());

async function post(type: string, payload: unknown, userId: string): Promise<string> {
  const res = await t.api("/v1/jobs", { method: "POST", json: { type, userId, payload } });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job: { id: string } }).job.id;
}

const activeByType = async () => {
  const res = await t.db.db.execute(
    sql`select type, count(*)::int as n from jobs where status = 'active' group by type`,
  );
  return Object.fromEntries(rowsOf(res).map((r) => [String(r.type), Number(r.n)]));
};

test("a burst of one type uses the whole pool, never more; another type gets slots back mid-burst", async () => {
  const burst = await Promise.all(
    Array.from({ length: 30 }, (_, i) => post("echo", { value: `b${i}`, delayMs: 700 }, `u${i % 3}`)),
  );
  let peak = 0;
  let peakEcho = 0;
  const sampler = setInterval(() => {
    void activeByType().then((a) => {
      peak = Math.max(
        peak,
        Object.values(a).reduce((x, y) => x + y, 0),
      );
      peakEcho = Math.max(peakEcho, a.echo ?? 0);
    });
  }, 20);
  try {
    await eventually(async () => ((await activeByType()).echo ?? 0) === 10, {
      message: "ten echo jobs at once",
    });
    const other = await post("scripted", { script: ["sleep:100"] }, "late");
    const otherDone = await eventually(async () => {
      const res = await t.api(`/v1/jobs/${other}`);
      const { job } = (await res.json()) as { job: { status: string; finishedAt: string | null } };
      return job.status === "completed" ? new Date(job.finishedAt!) : null;
    });
    await eventually(
      async () => {
        const res = await t.db.db.execute(
          sql`select count(*)::int as left from jobs where id in (select jsonb_array_elements_text(${JSON.stringify(burst)}::jsonb)) and status <> 'completed'`,
        );
        return Number(rowsOf(res)[0]?.left) === 0;
      },
      { timeoutMs: 20_000 },
    );
    const res = await t.db.db.execute(
      sql`select max(finished_at) as last from jobs where id in (select jsonb_array_elements_text(${JSON.stringify(burst)}::jsonb))`,
    );
    // The late type's job ran while the burst was still going, not after it.
    expect(otherDone.getTime()).toBeLessThan(new Date(String(rowsOf(res)[0]?.last)).getTime());
  } finally {
    clearInterval(sampler);
  }
  expect(peakEcho).toBe(10);
  expect(peak).toBeLessThanOrEqual(10);
});
