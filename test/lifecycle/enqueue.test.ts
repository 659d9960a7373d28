// The one enqueue path under a failing queue add: rows are removed only while still queued. An addBulk
// that lands and then fails (a lost reply) leaves the jobs a relay is running, which complete once; an add
// that never lands removes every row and says QueueUnavailable.
import { afterAll, beforeAll, expect, test } from "vitest";
import { getJob } from "../../db/queries/jobs.js";
import { newId } from "../../handlers/kit/ids.js";
import { EventBus } from "../../src/events/bus.js";
import { QueueUnavailable } from "../../src/lifecycle/errors.js";
import { Lifecycle, type NewJob } from "../../src/lifecycle/lifecycle.js";
import { createLogger } from "../../src/logger.js";
import { Queues } from "../../src/queue/queues.js";
import { eventually } from "../helpers/eventually.js";
import { startTestService, type TestService } from "../helpers/service.js";
import { calls, testCatalog } from "../helpers/test-types.js";

let t: TestService;
let queues: Queues;
let lifecycle: Lifecycle;
beforeAll(async () => {
  t = await startTestService();
  // A second lifecycle on the service's Redis prefix, whose queue the tests make fail.
  queues = new Queues(t.service.redis, t.redis.prefix, testCatalog);
  lifecycle = new Lifecycle({
    db: t.db.db,
    redis: t.service.redis,
    queues,
    events: new EventBus(t.service.redis, t.redis.prefix),
    log: createLogger({ level: "silent" }),
  });
});
afterAll(async () => {
  await queues.close();
  await t?.stop();
});

const rows = (n: number, delayMs: number): NewJob[] =>
  Array.from({ length: n }, (_, i) => ({
    row: {
      id: newId("job"),
      orgId: t.orgId,
      userId: "u1",
      type: "echo",
      priority: "low",
      payload: { value: `bulk-${i}`, delayMs },
      dedupKey: `race:${newId("k")}`,
      maxAttempts: 4,
    },
  }));

test("an addBulk that lands and then fails leaves the rows the relay runs; each completes once", async () => {
  const queue = queues.get("echo");
  const addBulk = queue.addBulk.bind(queue);
  const jobs = rows(3, 300);
  queue.addBulk = async (...args) => {
    await addBulk(...args);
    // The relay has them before the "reply" is lost.
    await eventually(async () => {
      for (const j of jobs) if ((await getJob(t.db.db, j.row.id))?.status !== "active") return false;
      return true;
    });
    throw new Error("connection reset after the command was sent");
  };
  try {
    const created = await lifecycle.enqueue(jobs, { actor: "scheduler", publish: false });
    expect(created.filter(Boolean)).toHaveLength(3);
  } finally {
    queue.addBulk = addBulk;
  }
  for (const j of jobs) {
    const done = await eventually(async () => {
      const row = await getJob(t.db.db, j.row.id);
      return row?.status === "completed" ? row : null;
    });
    expect(done.attempts).toBe(1);
    expect(calls.get(j.row.id)).toBe(1);
  }
});

test("an add that never lands removes every row and answers QueueUnavailable", async () => {
  const queue = queues.get("echo");
  const addBulk = queue.addBulk.bind(queue);
  queue.addBulk = async () => {
    throw new Error("Redis is not connected");
  };
  const jobs = rows(3, 0);
  try {
    await expect(lifecycle.enqueue(jobs, { actor: "scheduler" })).rejects.toThrow(QueueUnavailable);
  } finally {
    queue.addBulk = addBulk;
  }
  for (const j of jobs) expect(await getJob(t.db.db, j.row.id)).toBeNull();
});
