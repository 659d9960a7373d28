// A local server speaking Upstash Redis's REST protocol over a real Redis (no emulator is published):
// POST / with a JSON command array, POST /pipeline and /multi-exec with arrays of them, Bearer token,
// answers `{result}` / `{error}` (400), strings base64-encoded when `Upstash-Encoding: base64` is sent.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";

type Reply = null | number | Buffer | Reply[];
type Encoded = null | number | string | Encoded[];

function encode(v: Reply, base64: boolean): Encoded {
  if (Array.isArray(v)) return v.map((x) => encode(x, base64));
  if (Buffer.isBuffer(v)) return base64 ? v.toString("base64") : v.toString("utf8");
  return v;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

export interface FakeUpstashRedis {
  url: string;
  token: string;
  /** Commands received, in order (for tests that count them). */
  commands: string[][];
  close(): Promise<void>;
}

export async function startFakeUpstashRedis(opts: {
  redisUrl: string;
  token?: string;
}): Promise<FakeUpstashRedis> {
  const token = opts.token ?? "upstash-test-token";
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 });
  const commands: string[][] = [];
  const run = async (cmd: unknown, base64: boolean) => {
    if (!Array.isArray(cmd) || cmd.length === 0) return { error: "ERR command must be a non-empty array" };
    const [name, ...args] = cmd.map(String) as [string, ...string[]];
    commands.push([name, ...args]);
    try {
      return { result: encode((await redis.callBuffer(name, ...args)) as Reply, base64) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };
  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: "Unauthorized" });
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const path = new URL(req.url ?? "/", "http://x").pathname;
    try {
      const body = await readJson(req);
      if (path === "/") {
        const out = await run(body, base64);
        return send("error" in out ? 400 : 200, out);
      }
      if ((path === "/pipeline" || path === "/multi-exec") && Array.isArray(body)) {
        // Commands run in order; /multi-exec's atomicity is not needed by the handlers' Kv.
        const out = [];
        for (const cmd of body) out.push(await run(cmd, base64));
        return send(200, out);
      }
      return send(404, { error: `unknown path ${path}` });
    } catch (err) {
      return send(400, { error: (err as Error).message });
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    commands,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      redis.disconnect();
    },
  };
}
