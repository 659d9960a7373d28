// Finds or starts the Redis and Postgres the tests (and the benchmark) need: TEST_REDIS_URL /
// TEST_DATABASE_URL when set, else the default local ports when they answer, else private servers
// started from PATH into a temp dir (stopped by the returned `stop`).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface Services {
  redisUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

function answers(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

function which(bin: string): string | null {
  try {
    return execFileSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within ${timeoutMs} ms`);
}

/** Starts a private redis-server (no persistence unless `aof`) on a free port. Used by fault tests too. */
export async function startPrivateRedis(
  opts: { dir?: string; port?: number; aof?: boolean; args?: string[] } = {},
): Promise<{
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}> {
  if (!which("redis-server")) {
    throw new Error(
      "redis-server not found on PATH: install it (Debian/Ubuntu: apt-get install redis-server)",
    );
  }
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "fw-redis-"));
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      opts.aof ? "yes" : "no",
      "--dir",
      dir,
      ...(opts.args ?? []),
    ],
    { stdio: "ignore" },
  );
  await waitFor(() => answers(port), `redis-server on port ${port}`);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function startPrivatePostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  const initdb = which("initdb") ?? "/usr/lib/postgresql/15/bin/initdb";
  const pgCtl = which("pg_ctl") ?? "/usr/lib/postgresql/15/bin/pg_ctl";
  if (!which(initdb)) {
    throw new Error(
      "initdb/pg_ctl not found: install PostgreSQL (Debian/Ubuntu: apt-get install postgresql)",
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "fw-pg-"));
  const asRoot = process.getuid?.() === 0;
  // initdb refuses to run as root: run the server as the postgres user then.
  const run = (args: string[]) =>
    asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", ...args], { stdio: "ignore" })
      : execFileSync(args[0]!, args.slice(1), { stdio: "ignore" });
  if (asRoot) execFileSync("chown", ["postgres", dir]);
  run([initdb, "-D", join(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  run([
    pgCtl,
    "-D",
    join(dir, "data"),
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
    "-l",
    join(dir, "log"),
    "-w",
    "start",
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        run([pgCtl, "-D", join(dir, "data"), "-m", "fast", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function pgAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function findOrStartServices(log: (msg: string) => void = () => {}): Promise<Services> {
  const stops: Array<() => Promise<void>> = [];
  let redisUrl = process.env.TEST_REDIS_URL;
  if (!redisUrl) {
    if (await answers(6379)) redisUrl = "redis://127.0.0.1:6379";
    else {
      const r = await startPrivateRedis();
      stops.push(r.stop);
      redisUrl = r.url;
      log(`started a private redis-server at ${redisUrl}`);
    }
  }
  let databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) {
    const local = "postgres://postgres@127.0.0.1:5432/test";
    if (await pgAnswers(local)) databaseUrl = local;
    else {
      const p = await startPrivatePostgres();
      stops.push(p.stop);
      databaseUrl = p.url;
      log(`started a private postgres at ${databaseUrl}`);
    }
  }
  return {
    redisUrl,
    databaseUrl,
    async stop() {
      for (const stop of stops.reverse()) await stop().catch(() => {});
    },
  };
}
