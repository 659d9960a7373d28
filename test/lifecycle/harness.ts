// A Lifecycle on this test file's own Postgres database and Redis prefix, with an organization to put
// jobs in, and a helper that creates a job (through the lifecycle's one enqueue path).
import { sql } from "drizzle-orm";
import type { JobRow } from "../../db/queries/jobs.js";
import { createOrg } from "../../db/queries/orgs.js";
import type { JobStatus } from "../../db/schema.js";
import { newId } from "../../handlers/kit/ids.js";
import { EventBus } from "../../src/events/bus.js";
import { Lifecycle } from "../../src/lifecycle/lifecycle.js";
import { createLogger } from "../../src/logger.js";
import { Queues } from "../../src/queue/queues.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";
import { testCatalog } from "../helpers/test-types.js";

export interface LifecycleHarness {
  db: TestDatabase;
  redis: TestRedis;
  queues: Queues;
  lifecycle: Lifecycle;
  orgId: string;
  /** A new `echo` job, then (test set-up only) forced into `status`. */
  job(status?: JobStatus): Promise<JobRow>;
  close(): Promise<void>;
}

export async function lifecycleHarness(): Promise<LifecycleHarness> {
  const db = await createTestDatabase();
  const redis = await createTestRedis();
  const queues = new Queues(redis.client, redis.prefix, testCatalog);
  const events = new EventBus(redis.client, redis.prefix);
  const lifecycle = new Lifecycle({
    db: db.db,
    redis: redis.client,
    queues,
    events,
    log: createLogger({ level: "silent" }),
  });
  const { org } = await createOrg(db.db, "lifecycle tests");
  return {
    db,
    redis,
    queues,
    lifecycle,
    orgId: org.id,
    async job(status = "queued") {
      const [row] = await lifecycle.enqueue(
        [
          {
            row: {
              id: newId("job"),
              orgId: org.id,
              userId: "u1",
              type: "echo",
              priority: "normal",
              payload: { value: "x" },
              maxAttempts: 4,
            },
          },
        ],
        { actor: "api" },
      );
      await db.db.execute(sql`update jobs set status = ${status} where id = ${row!.id}`);
      return { ...row!, status };
    },
    async close() {
      await queues.close();
      await events.close().catch(() => {});
      await redis.cleanup();
      await db.close();
    },
  };
}
