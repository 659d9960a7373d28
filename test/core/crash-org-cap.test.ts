// kill -9 of a relay while jobs wait on an organization's cap (reason org_cap) and others run on it: the
// waiting jobs are woken by the surviving relay when the cap frees and run once each; the killed relay's
// running jobs come back as lost attempts and complete once.
import { afterAll, beforeAll, expect, test } from "vitest";
import { type ChildService, relayEnv as childRelayEnv, spawnService } from "../helpers/child.js";
import { type Cluster, startCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { runOutcomes } from "../helpers/service.js";
import { calls } from "../helpers/test-types.js";

let cluster: Cluster;
let child: ChildService | null = null;
const fast = { LOCK_DURATION_MS: "2000", STALLED_INTERVAL_MS: "1000" };

beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  if (child && child.process.exitCode === null) child.process.kill("SIGKILL");
  await cluster.stop();
});

async function newOrg(name: string) {
  const res = await cluster.api.api("/admin/orgs", { method: "POST", json: { name } });
  const body = (await res.json()) as { apiKey: string; org: { id: string } };
  return { key: body.apiKey, orgId: body.org.id };
}

async function post(key: string, value: string, delayMs: number): Promise<string> {
  const res = await cluster.api.api("/v1/jobs", {
    method: "POST",
    key,
    json: { type: "echo", userId: "u1", payload: { value, delayMs } },
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job: { id: string } }).job.id;
}

async function view(key: string, id: string) {
  const res = await cluster.api.api(`/v1/jobs/${id}`, { key });
  return (
    (await res.json()) as {
      job: { status: string; attempts: number; waitingOn: { reason: string } | null };
    }
  ).job;
}

const outcomes = (id: string) => runOutcomes(cluster.db, id);

test("kill -9 of a relay while jobs wait on org_cap: nothing lost, nothing doubled", {
  timeout: 60_000,
}, async () => {
  const capped = await newOrg("capped");
  const other = await newOrg("other");
  const put = await cluster.api.api(`/admin/orgs/${capped.orgId}/limits`, {
    method: "PUT",
    json: { maxActive: 1, hard: true },
  });
  expect(put.status).toBe(200);
  // The survivor has one slot: it runs the capped organization's first job and holds its one cap slot.
  await cluster.addRelay({ RELAY_CONCURRENCY: "1", ...fast });
  const first = await post(capped.key, "first", 8_000);
  await eventually(async () => (await view(capped.key, first)).status === "active", { timeoutMs: 10_000 });
  // The relay about to be killed takes everything else: the capped jobs wait, the other's jobs run on it.
  child = await spawnService(
    childRelayEnv(
      { db: cluster.db, redis: cluster.redis, handlersUrl: cluster.handlers.url },
      {
        RELAY_CONCURRENCY: "4",
      },
    ),
  );
  const waiting = await Promise.all([1, 2, 3].map((i) => post(capped.key, `waits-${i}`, 0)));
  const running = await Promise.all([1, 2].map((i) => post(other.key, `runs-${i}`, 2_500)));
  await eventually(
    async () => {
      for (const id of waiting)
        if ((await view(capped.key, id)).waitingOn?.reason !== "org_cap") return false;
      for (const id of running) if ((await view(other.key, id)).status !== "active") return false;
      return true;
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  );
  child.process.kill("SIGKILL");
  await child.exited;

  const done = async (key: string, id: string) =>
    eventually(
      async () => {
        const j = await view(key, id);
        return j.status === "completed" ? j : null;
      },
      { timeoutMs: 20_000, message: `job ${id} completed` },
    );
  for (const id of [first, ...waiting]) {
    const j = await done(capped.key, id);
    expect(j.attempts).toBe(1);
    expect(j.waitingOn).toBeNull();
    expect(await outcomes(id)).toEqual(["completed"]);
    expect(calls.get(id)).toBe(1);
  }
  for (const id of running) {
    const j = await done(other.key, id);
    expect(j.attempts).toBe(2);
    expect(await outcomes(id)).toEqual(["lost", "completed"]);
  }
});
