// `npm start`: parses the config (exit 1 naming each bad variable), starts the service for ROLE, prints
// where it listens (and, in embedded mode, only the path of the credentials file), drains on SIGTERM/SIGINT.
import { ConfigError } from "../handlers/config.js";
import { parseConfig } from "./config.js";
import { withEmbeddedTokenKeys } from "./embedded/setup.js";
import { createLogger } from "./logger.js";
import { RedisUnavailableError } from "./runtime/redis.js";
import { startService } from "./service.js";

async function main(): Promise<void> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = withEmbeddedTokenKeys(parseConfig(process.env));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger({ level: config.LOG_LEVEL });
  let service: Awaited<ReturnType<typeof startService>>;
  try {
    service = await startService(config, { log });
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      console.error(err.message);
      process.exit(1);
    }
    log.fatal({ err: (err as Error).message }, "start failed");
    process.exit(1);
  }
  console.log(`flywheel-workers listening on ${service.url} (role ${config.ROLE})`);
  if (!config.DATABASE_URL && service.credentialsFile) {
    console.log(`embedded mode: demo API key, admin token and keys are in ${service.credentialsFile}`);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, "draining");
    service.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

void main();
