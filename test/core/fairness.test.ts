// Ordering: priority levels first; inside a level round-robin across organizations, then users — with
// two relays sharing the queue (every piece of ordering state lives in Redis).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createOrg } from "../../db/queries/orgs.js";
import { type Cluster, startCluster } from "../helpers/cluster.js";
import type { TestDatabase } from "../helpers/db.js";
import { eventually } from "../helpers/eventually.js";
import type { TestService } from "../helpers/service.js";

let cluster: Cluster;
let db: TestDatabase;
let api: TestService;

beforeAll(async () => {
  cluster = await startCluster();
  ({ db, api } = cluster);
});
afterAll(() => cluster.stop());

async function startRelays(n: number, perRelay: number) {
  for (let i = 0; i < n; i++)
    await cluster.addRelay({ RELAY_CONCURRENCY: String(perRelay), ORG_MAX_ACTIVE: "0" });
}

async function enqueueMany(key: string, userId: string, count: number, priority = "normal", value = "x") {
  const ids: string[] = [];
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    const res = await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, () =>
        api.api("/v1/jobs", {
          method: "POST",
          key,
          json: { type: "echo", userId, priority, payload: { value } },
        }),
      ),
    );
    for (const r of res) {
      expect(r.status).toBe(202);
      ids.push(((await r.json()) as { job: { id: string } }).job.id);
    }
  }
  return ids;
}

test("a flood by one user does not starve another user or organization; critical jumps the line; two relays", {
  timeout: 180_000,
}, async () => {
  const orgB = await createOrg(db.db, "org-b");
  const flood = await enqueueMany(api.apiKey, "flooder", 2000);
  const sameOrg = await enqueueMany(api.apiKey, "neighbour", 20);
  const otherOrg = await enqueueMany(orgB.apiKey, "other-org-user", 20);
  await startRelays(2, 5); // relay concurrency 10 in all

  const finishOrder = async () => {
    const r = await db.db.execute(
      sql`select id from jobs where status = 'completed' order by finished_at, id`,
    );
    return (r as unknown as { rows: { id: string }[] }).rows.map((x) => x.id);
  };
  await eventually(
    async () => {
      const done = new Set(await finishOrder());
      return [...sameOrg, ...otherOrg].every((id) => done.has(id));
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
  const order = await finishOrder();
  const floodSet = new Set(flood);
  const floodDoneBefore = (id: string) =>
    order.slice(0, order.indexOf(id)).filter((x) => floodSet.has(x)).length;
  const lastNeighbour = Math.max(...sameOrg.map(floodDoneBefore));
  const lastOtherOrg = Math.max(...otherOrg.map(floodDoneBefore));
  console.log(
    `fairness: flood jobs finished before the neighbour's 20th: ${lastNeighbour}; before the other org's 20th: ${lastOtherOrg}`,
  );
  expect(lastNeighbour).toBeLessThan(100);
  expect(lastOtherOrg).toBeLessThan(100);

  // Critical behind a backlog of 500 normal jobs starts within the next 10 starts.
  const backlog = await enqueueMany(api.apiKey, "flooder", 500, "normal", "backlog");
  const [critical] = await enqueueMany(api.apiKey, "flooder", 1, "critical", "urgent");
  const startRank = await eventually(
    async () => {
      const r = await db.db.execute(sql`
      select id, started_at from jobs where started_at is not null and id in (${sql.join(
        [...backlog, critical!].map((id) => sql`${id}`),
        sql`, `,
      )})
      order by started_at, id`);
      const rows = (r as unknown as { rows: { id: string }[] }).rows;
      const i = rows.findIndex((x) => x.id === critical);
      return i >= 0 ? i + 1 : null;
    },
    { timeoutMs: 60_000 },
  );
  const criticalStart = await db.db.execute(
    sql`select started_at, created_at from jobs where id = ${critical!}`,
  );
  const { started_at, created_at } = (
    criticalStart as unknown as { rows: { started_at: string; created_at: string }[] }
  ).rows[0]!;
  const startsBetween = await db.db.execute(sql`
    select count(*)::int as n from jobs where started_at > ${created_at} and started_at < ${started_at}`);
  const n = (startsBetween as unknown as { rows: { n: number }[] }).rows[0]!.n;
  console.log(
    `fairness: critical job start rank among the backlog ${startRank}; other starts between its enqueue and its start: ${n}`,
  );
  expect(n).toBeLessThanOrEqual(10);
});
