// The hand-wired peer (peer.ts) in its own process, started like the system's service-process.ts: prints
// `READY <url>`, stops on SIGTERM. Env: REDIS_URL, DATABASE_URL, PEER_PREFIX, PEER_TOKEN, PEER_SIGNING_KEY.
import { startPeer } from "./peer.js";

const env = process.env;
const peer = await startPeer({
  redisUrl: env.REDIS_URL!,
  databaseUrl: env.DATABASE_URL!,
  prefix: env.PEER_PREFIX!,
  token: env.PEER_TOKEN!,
  signingKey: env.PEER_SIGNING_KEY!,
});
process.stdout.write(`READY ${peer.url}\n`);
process.on("SIGTERM", () => {
  peer.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
