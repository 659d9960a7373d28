// The soft organization cap (ORG_MAX_ACTIVE) with two relays sharing the queues, through the real API:
// a lone organization uses both relays' slots; under contention, an organization past its cap gets no
// freed slot while another organization under its cap has a job waiting, whichever relay frees it.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Cluster, startCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import type { TestService } from "../helpers/service.js";

const CAP = 2;
const PER_RELAY = 3;
let cluster: Cluster;
let api: TestService;

beforeAll(async () => {
  cluster = await startCluster();
  api = cluster.api;
  for (let i = 0; i < 2; i++)
    await cluster.addRelay({ ORG_MAX_ACTIVE: String(CAP), RELAY_CONCURRENCY: String(PER_RELAY) });
});
afterAll(() => cluster?.stop());

async function newOrg(name: string): Promise<{ key: string; orgId: string }> {
  const res = await api.api("/admin/orgs", { method: "POST", json: { name } });
  const body = (await res.json()) as { apiKey: string; org: { id: string } };
  return { key: body.apiKey, orgId: body.org.id };
}

async function post(key: string, n: number, priority: "high" | "normal", delayMs: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await api.api("/v1/jobs", {
      method: "POST",
      key,
      json: { type: "echo", userId: `u${i}`, priority, payload: { value: `v${i}`, delayMs } },
    });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { job: { id: string } }).job.id);
  }
  return ids;
}

/** The job as its organization sees it. */
async function view(key: string, id: string) {
  const res = await api.api(`/v1/jobs/${id}`, { key });
  return (
    (await res.json()) as { job: { status: string; waitingOn: { reason: string; key: string } | null } }
  ).job;
}

interface Row {
  id: string;
  org_id: string;
  created: number;
  started: number;
  finished: number;
  attempts: number;
  runs: number;
}

async function rows(orgIds: string[]): Promise<Row[]> {
  const r = await cluster.db.db.execute(sql`
    select j.id, j.org_id, j.attempts,
      extract(epoch from j.created_at) * 1000 as created, extract(epoch from j.started_at) * 1000 as started,
      extract(epoch from j.finished_at) * 1000 as finished,
      (select count(*)::int from job_runs r where r.job_id = j.id and r.outcome = 'completed') as runs
    from jobs j where j.org_id in (${sql.join(orgIds, sql`, `)}) and j.status = 'completed'`);
  return (r as unknown as { rows: Record<string, string | number>[] }).rows.map((x) => ({
    id: String(x.id),
    org_id: String(x.org_id),
    created: Number(x.created),
    started: Number(x.started),
    finished: Number(x.finished),
    attempts: Number(x.attempts),
    runs: Number(x.runs),
  }));
}

/** The most jobs of `rs` running at one time (from their stored start and finish). */
function peak(rs: Row[]): number {
  const edges = rs.flatMap((r) => [
    [r.started, 1],
    [r.finished, -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) {
    now += d!;
    max = Math.max(max, now);
  }
  return max;
}

async function allCompleted(orgIds: string[], n: number): Promise<Row[]> {
  return eventually(
    async () => {
      const rs = await rows(orgIds);
      return rs.length === n ? rs : null;
    },
    { timeoutMs: 20_000, intervalMs: 100, message: `${n} jobs completed` },
  );
}

test("a lone organization runs past the soft cap on both relays at once", async () => {
  const lone = await newOrg("lone");
  await post(lone.key, 2 * PER_RELAY, "normal", 1_000);
  const rs = await allCompleted([lone.orgId], 2 * PER_RELAY);
  // More than one relay's slots at once: both relays ran its jobs past the cap of 2.
  expect(peak(rs)).toBeGreaterThan(PER_RELAY);
  expect(rs.every((r) => r.attempts === 1 && r.runs === 1)).toBe(true);
});

test("under contention a freed slot goes to the organization under its cap, on either relay", async () => {
  const big = await newOrg("big");
  const small = await newOrg("small");
  // `big` fills both relays alone; two more of its jobs wait, ahead of anything normal in the queue.
  const bigIds = await post(big.key, 2 * PER_RELAY + 2, "high", 1_000);
  await eventually(
    async () =>
      (await Promise.all(bigIds.map((id) => view(big.key, id)))).filter((j) => j.status === "active")
        .length ===
      2 * PER_RELAY,
    { timeoutMs: 10_000, intervalMs: 20 },
  );
  // `small` arrives behind them (normal priority): without the cap, big's two waiting jobs would go first.
  const smallIds = await post(small.key, 4, "normal", 1_000);
  // Watch big's two waiting jobs closely (a park may last only until the next release, a few 100 ms).
  const reasons = new Set<string>();
  const watched = bigIds.slice(2 * PER_RELAY);
  const watching = (async () => {
    const open = new Set(watched);
    while (open.size) {
      for (const id of [...open]) {
        const j = await view(big.key, id);
        if (j.waitingOn) reasons.add(`${j.waitingOn.reason}:${j.waitingOn.key}`);
        if (j.status === "completed") open.delete(id);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const rs = await eventually(
    async () => {
      const done = await rows([big.orgId, small.orgId]);
      return done.length === bigIds.length + smallIds.length ? done : null;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  await watching;
  const late = rs
    .filter((r) => r.org_id === big.orgId)
    .sort((a, b) => a.started - b.started)
    .slice(-2);
  const smallStarts = rs
    .filter((r) => r.org_id === small.orgId)
    .map((r) => r.started)
    .sort((a, b) => a - b);
  // `small` reached its cap before `big` got another slot.
  expect(smallStarts[CAP - 1]!).toBeLessThan(Math.min(...late.map((r) => r.started)));
  // Meanwhile big's jobs waited on its cap (no attempt spent), and were not starved after.
  expect([...reasons]).toContain(`org_cap:${big.orgId}`);
  expect(rs.every((r) => r.attempts === 1 && r.runs === 1)).toBe(true);
});
