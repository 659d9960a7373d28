// A service with SCHEDULER=qstash against a local QStash, on a port chosen first, so PUBLIC_URL (what QStash
// calls and signatures name) is known before it starts.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestDatabase } from "../helpers/db.js";
import { startTestService, type TestService } from "../helpers/service.js";
import { standInCatalog } from "./stand-ins.js";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

export async function startQstashService(
  qstash: { url: string; token: string },
  opts: { db?: TestDatabase; redis?: { url: string; prefix: string }; env?: Record<string, string> } = {},
): Promise<{ t: TestService; publicUrl: string }> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const t = await startTestService({
    keepSchedules: true,
    catalog: standInCatalog,
    ...(opts.db ? { db: opts.db } : {}),
    ...(opts.redis ? { redis: opts.redis } : {}),
    env: {
      SCHEDULER: "qstash",
      QSTASH_URL: qstash.url,
      QSTASH_TOKEN: qstash.token,
      PUBLIC_URL: publicUrl,
      PORT: String(port),
      ...opts.env,
    },
  });
  return { t, publicUrl };
}
