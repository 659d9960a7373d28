// A deployment in one test process: one fresh database and Redis prefix shared by a handlers service, an
// API (ENQUEUE_RATE_LIMIT off) and any number of relays, for tests where more than one relay matters.
import { createTestDatabase, type TestDatabase } from "./db.js";
import { createTestRedis, type TestRedis } from "./redis.js";
import { startTestService, type TestService } from "./service.js";

export interface Cluster {
  db: TestDatabase;
  redis: TestRedis;
  handlers: TestService;
  api: TestService;
  relays: TestService[];
  /** A relay (ROLE=relay) calling this cluster's handlers, with `env` on top. */
  addRelay(env?: Record<string, string>): Promise<TestService>;
  stop(): Promise<void>;
}

export async function startCluster(): Promise<Cluster> {
  const db = await createTestDatabase();
  const redis = await createTestRedis();
  const handlers = await startTestService({ db, redis, env: { ROLE: "handlers" } });
  const api = await startTestService({ db, redis, env: { ROLE: "api", ENQUEUE_RATE_LIMIT: "0" } });
  const relays: TestService[] = [];
  return {
    db,
    redis,
    handlers,
    api,
    relays,
    async addRelay(env = {}) {
      const relay = await startTestService({
        db,
        redis,
        env: { ROLE: "relay", HANDLERS_URL: handlers.url, ...env },
      });
      relays.push(relay);
      return relay;
    },
    async stop() {
      for (const s of [...relays, api, handlers]) await s.stop();
      await redis.cleanup();
      await db.close();
    },
  };
}
