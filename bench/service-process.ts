// A bench service in its own process (the relay whose RSS is measured, the one killed with -9, the API
// under autocannon): the real startService configured from the environment like src/main.ts, with the
// bench catalog (or the real one with BENCH_CATALOG=real). With BENCH_COUNT=1 it counts its Redis commands
// and Postgres statements and prints them as `COUNTS {json}` when it reads `counts` on stdin.
import { createInterface } from "node:readline";
import type { Catalog } from "../handlers/kit/catalog.js";
import { parseConfig } from "../src/config.js";
import { startService } from "../src/service.js";
import { benchCatalog } from "./catalog.js";
import { installPgCounter, pgCounts } from "./pg-counter.js";
import { installRedisCounter, redisCounts } from "./redis-counter.js";
import { discardingLogger } from "./system.js";

if (process.env.BENCH_COUNT === "1") {
  installRedisCounter();
  installPgCounter();
}
const config = parseConfig(process.env);
const catalog: Catalog =
  process.env.BENCH_CATALOG === "real" ? (await import("../handlers/catalog.js")).catalog : benchCatalog;
const service = await startService(config, { log: discardingLogger(config.LOG_LEVEL), catalog });
process.stdout.write(`READY ${service.url}\n`);

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "counts")
    process.stdout.write(`COUNTS ${JSON.stringify({ redis: redisCounts(), pg: pgCounts() })}\n`);
});
const shutdown = () => {
  service.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
