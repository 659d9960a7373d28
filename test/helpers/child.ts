// Runs test/fixtures/service-process.ts as a child process (for kill -9 and SIGTERM tests).
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("../fixtures/service-process.ts", import.meta.url));

export interface ChildService {
  process: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<number | null>;
}

export async function spawnService(env: Record<string, string>): Promise<ChildService> {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start:\n${output.join("")}`)), 30_000);
    child.stdout!.on("data", (d: Buffer) => {
      const text = String(d);
      output.push(text);
      const m = /READY (\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on("data", (d: Buffer) => output.push(String(d)));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}:\n${output.join("")}`));
    });
  });
  return { process: child, url, output, exited };
}

/** The environment of a relay child process on a test's database and Redis, calling `handlersUrl`. */
export function relayEnv(
  at: { db: { url: string }; redis: { url: string; prefix: string }; handlersUrl: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ROLE: "relay",
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: at.db.url,
    REDIS_URL: at.redis.url,
    REDIS_PREFIX: at.redis.prefix,
    HANDLERS_URL: at.handlersUrl,
    QSTASH_CURRENT_SIGNING_KEY: "sig_current_test_key",
    QSTASH_NEXT_SIGNING_KEY: "sig_next_test_key",
    RETRY_DELAYS_MS: "100,200,300",
    LOCK_DURATION_MS: "2000",
    STALLED_INTERVAL_MS: "1000",
    DRAIN_DELAY_S: "1",
    ...extra,
  };
}
