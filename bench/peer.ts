// The hand-wired peer, the second yardstick beside raw BullMQ: what a team would build instead of this
// system, written the straightforward way. An HTTP API (Hono on @hono/node-server: bearer token → JSON →
// Postgres insert → queue.add → 202), a BullMQ Worker (concurrency 100: Postgres 'active' update → a
// QStash-style signed undici POST → Postgres 'completed' update) and a handler that verifies the signature
// with @upstash/qstash's Receiver and answers, all in one process; no batching, no fairness, no caps.
import { serve } from "@hono/node-server";
import { Receiver } from "@upstash/qstash";
import { Queue, Worker } from "bullmq";
import { Hono } from "hono";
import { Redis } from "ioredis";
import { SignJWT } from "jose";
import pg from "pg";
import { request } from "undici";
import { KEEP_COMPLETED, KEEP_FAILED } from "../src/queue/queues.js";

export interface PeerOptions {
  redisUrl: string;
  databaseUrl: string;
  prefix: string;
  token: string;
  signingKey: string;
  /** @default 100 */
  concurrency?: number;
}

export interface Peer {
  url: string;
  /** The peer's own job table (a plain one, no partitions or indexes beyond the key). */
  table: string;
  stop(): Promise<void>;
}

const TABLE = "peer_jobs";

async function sha256(body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  return Buffer.from(digest).toString("base64url");
}

function sign(key: string, url: string, bodyHash: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ body: bodyHash })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("Upstash")
    .setSubject(url)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .setJti(`jwt_${crypto.randomUUID()}`)
    .sign(new TextEncoder().encode(key));
}

export async function startPeer(o: PeerOptions): Promise<Peer> {
  const db = new pg.Pool({ connectionString: o.databaseUrl, max: 20 });
  await db.query(`create table if not exists ${TABLE} (
    id bigserial primary key, type text not null, payload jsonb not null, status text not null,
    result jsonb, created_at timestamptz not null default now(), started_at timestamptz,
    finished_at timestamptz)`);
  const commands = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const blocking = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("peer", {
    connection: commands,
    prefix: o.prefix,
    defaultJobOptions: { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED },
  });

  const receiver = new Receiver({ currentSigningKey: o.signingKey, nextSigningKey: o.signingKey });
  const app = new Hono();
  app.post("/jobs", async (c) => {
    if (c.req.header("authorization") !== `Bearer ${o.token}`) return c.json({ error: "unauthorized" }, 401);
    const body = (await c.req.json()) as { type?: unknown; payload?: unknown };
    if (typeof body.type !== "string") return c.json({ error: "type is required" }, 400);
    const row = await db.query(
      `insert into ${TABLE} (type, payload, status) values ($1, $2, 'queued') returning id`,
      [body.type, JSON.stringify(body.payload ?? {})],
    );
    const id = String((row.rows[0] as { id: string }).id);
    await queue.add(body.type, { id, payload: body.payload ?? {} });
    return c.json({ id, status: "queued" }, 202);
  });
  app.post("/handlers/:type", async (c) => {
    const raw = await c.req.text();
    const url = `${base}/handlers/${c.req.param("type")}`;
    const ok = await receiver
      .verify({ signature: c.req.header("upstash-signature") ?? "", body: raw, url })
      .catch(() => false);
    if (!ok) return c.json({ error: "bad signature" }, 401);
    return c.json({ ok: true });
  });

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  const worker = new Worker(
    "peer",
    async (job) => {
      const { id, payload } = job.data as { id: string; payload: unknown };
      await db.query(`update ${TABLE} set status = 'active', started_at = now() where id = $1`, [id]);
      const url = `${base}/handlers/${job.name}`;
      const body = JSON.stringify({ jobId: id, type: job.name, payload });
      const res = await request(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "upstash-signature": await sign(o.signingKey, url, await sha256(body)),
        },
        body,
      });
      const result = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`handler answered ${res.statusCode}`);
      await db.query(
        `update ${TABLE} set status = 'completed', finished_at = now(), result = $2 where id = $1`,
        [id, result],
      );
      return null;
    },
    { connection: blocking, prefix: o.prefix, concurrency: o.concurrency ?? 100 },
  );
  worker.on("error", () => {});
  await worker.waitUntilReady();

  return {
    url: base,
    table: TABLE,
    async stop() {
      await worker.close();
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await new Promise((r) => server.close(r));
      commands.disconnect();
      blocking.disconnect();
      await db.end();
    },
  };
}
