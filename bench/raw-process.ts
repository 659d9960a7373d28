// Raw BullMQ in its own process (for RSS and kill -9): one Worker with the system's worker options whose
// processor sleeps RAW_SLEEP_MS (0 = no-op). Env: REDIS_URL, RAW_PREFIX, RAW_QUEUE, RAW_CONCURRENCY.
import { RawBullmq } from "./raw.js";

const env = process.env;
const raw = await RawBullmq.open(env.REDIS_URL!, env.RAW_PREFIX!, env.RAW_QUEUE ?? "raw");
const sleepMs = Number(env.RAW_SLEEP_MS ?? 0);
await raw.startWorker(
  async () => {
    if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
    return { ok: true };
  },
  { concurrency: Number(env.RAW_CONCURRENCY ?? 100) },
);
process.stdout.write("READY raw\n");
process.on("SIGTERM", () => {
  raw.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
