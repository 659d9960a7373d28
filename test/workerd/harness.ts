// Runs the built handlers worker in workerd (Miniflare) against local stand-ins for everything it talks
// to: Postgres through the Neon driver and a local WebSocket proxy, Redis through a local Upstash REST
// server, OpenAI, X and a website as local HTTP servers. `deliver` signs and POSTs a real job envelope.
import { rmSync } from "node:fs";
import { Miniflare } from "miniflare";
import { organizations } from "../../db/schema.js";
import { newId } from "../../handlers/kit/ids.js";
import { signRequest } from "../../handlers/kit/signature.js";
import { type NeonProxy, startNeonProxy } from "../fakes/neon-proxy.js";
import { type FakeUpstashRedis, startFakeUpstashRedis } from "../fakes/upstash-redis-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";
import { type BuiltWorker, buildWorker } from "./build.js";

export const HANDLERS_URL = "http://handlers.test";
export const KEYS = { current: "sig-current-key", next: "sig-next-key" };

export interface WorkerdHarness {
  db: TestDatabase;
  redis: TestRedis;
  upstash: FakeUpstashRedis;
  neon: NeonProxy;
  orgId: string;
  userId: string;
  /** Signs (with `key`, default the current one) and POSTs an envelope for `type` to the worker. */
  deliver(
    type: string,
    payload: unknown,
    opts?: { jobId?: string; key?: string; attempt?: number; signature?: string },
  ): Promise<Response>;
  /** Sends a raw request to the worker. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Console lines the worker wrote. */
  logs: string[];
  close(): Promise<void>;
}

let built: Promise<BuiltWorker> | null = null;

/** One build per test file (a worker process), reused by every harness in it. */
export function builtWorker(): Promise<BuiltWorker> {
  built ??= buildWorker();
  return built;
}

export async function startWorkerd(bindings: Record<string, string> = {}): Promise<WorkerdHarness> {
  const [worker, db, redis, neon] = await Promise.all([
    builtWorker(),
    createTestDatabase(),
    createTestRedis(),
    startNeonProxy(),
  ]);
  const upstash = await startFakeUpstashRedis({ redisUrl: redis.url });
  const orgId = newId("org");
  const userId = "user_1";
  await db.db.insert(organizations).values({ id: orgId, name: "Acme" });
  const logs: string[] = [];
  const mf = new Miniflare({
    modules: true,
    modulesRoot: worker.dir,
    scriptPath: worker.scriptPath,
    compatibilityDate: worker.compatibilityDate,
    compatibilityFlags: worker.compatibilityFlags,
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      for (const s of [stdout, stderr]) s.on("data", (b: Buffer) => logs.push(...b.toString().split("\n")));
    },
    bindings: {
      HANDLERS_URL,
      QSTASH_CURRENT_SIGNING_KEY: KEYS.current,
      QSTASH_NEXT_SIGNING_KEY: KEYS.next,
      DATABASE_URL: db.url,
      NEON_WS_PROXY: neon.wsProxy,
      NEON_INSECURE_WEBSOCKET: "true",
      NEON_PIPELINE_CONNECT: "false",
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      REDIS_PREFIX: redis.prefix,
      ...bindings,
    },
  });
  await mf.ready;
  const fetchWorker = async (path: string, init?: RequestInit) =>
    (await mf.dispatchFetch(`${HANDLERS_URL}${path}`, init as never)) as unknown as Response;
  return {
    db,
    redis,
    upstash,
    neon,
    orgId,
    userId,
    logs,
    fetch: fetchWorker,
    async deliver(type, payload, opts = {}) {
      const body = JSON.stringify({
        jobId: opts.jobId ?? newId("job"),
        type,
        orgId,
        userId,
        attempt: opts.attempt ?? 1,
        maxAttempts: 4,
        payload,
      });
      const signature =
        opts.signature ??
        (await signRequest({ key: opts.key ?? KEYS.current, url: `${HANDLERS_URL}/${type}`, body }));
      return fetchWorker(`/${type}`, {
        method: "POST",
        body,
        headers: {
          "upstash-signature": signature,
          "content-type": "application/json",
          "x-request-id": "req-1",
        },
      });
    },
    async close() {
      await mf.dispose();
      await Promise.all([upstash.close(), neon.close()]);
      await Promise.all([db.close(), redis.cleanup()]);
    },
  };
}

/** Removes the build output (afterAll of the last user in a file). */
export async function removeBuild(): Promise<void> {
  if (built) rmSync((await built).dir, { recursive: true, force: true });
}
