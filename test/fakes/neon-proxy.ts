// A local WebSocket-to-TCP proxy (like Neon's wsproxy) so the Neon serverless driver reaches the test
// Postgres: the driver opens ws://HOST/v2?address=host:port (neonConfig.wsProxy = NEON_WS_PROXY) and
// every binary message is piped to that Postgres socket and back.

import type { AddressInfo } from "node:net";
import net from "node:net";
import { WebSocketServer } from "ws";

export interface NeonProxy {
  /** Value for NEON_WS_PROXY: `127.0.0.1:PORT/v2` (no scheme; the driver adds ws://). */
  wsProxy: string;
  /** Connections opened so far (a test can check that queries went through the proxy). */
  connections(): number;
  /** Connections open now (a test can check that each request's connection was closed). */
  active(): number;
  close(): Promise<void>;
}

export async function startNeonProxy(): Promise<NeonProxy> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  let opened = 0;
  let open = 0;
  wss.on("connection", (ws, req) => {
    const address = new URL(req.url ?? "/", "http://x").searchParams.get("address") ?? "";
    const [host, port] = address.split(":");
    if (!host || !port) return ws.close(1008, "address=host:port required");
    opened++;
    open++;
    const socket = net.connect({ host, port: Number(port) });
    const pending: Buffer[] = [];
    socket.on("connect", () => {
      for (const chunk of pending.splice(0)) socket.write(chunk);
    });
    ws.on("message", (data: Buffer) => (socket.connecting ? pending.push(data) : socket.write(data)));
    socket.on("data", (chunk) => ws.send(chunk));
    socket.on("close", () => ws.close());
    socket.on("error", () => ws.close());
    ws.on("close", () => {
      open--;
      socket.destroy();
    });
    ws.on("error", () => socket.destroy());
  });
  await new Promise<void>((ok) => wss.once("listening", ok));
  const { port } = wss.address() as AddressInfo;
  return {
    wsProxy: `127.0.0.1:${port}/v2`,
    connections: () => opened,
    active: () => open,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((ok) => wss.close(() => ok()));
    },
  };
}
