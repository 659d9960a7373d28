// Builds the service with `npm run build`'s script into a directory inside the repo (node_modules must
// resolve) and starts the output with plain `node main.js`, exactly as the Docker image does, in a child
// process with only the env a deployment would set. `stop` sends SIGTERM and waits for the exit.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "../..");

export async function buildService(): Promise<{ dir: string; remove(): void }> {
  const dir = join(ROOT, ".tmp", `deploy-${randomBytes(4).toString("hex")}`);
  await promisify(execFile)(join(ROOT, "node_modules/.bin/tsx"), [".ci/build.ts", dir], {
    cwd: ROOT,
    timeout: 120_000,
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface BuiltProcess {
  url: string;
  role: string;
  output: string[];
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** Starts `node <dir>/main.js`; resolves once it prints where it listens. */
export async function startBuilt(dir: string, env: Record<string, string>): Promise<BuiltProcess> {
  const child = spawn(process.execPath, [join(dir, "main.js")], {
    cwd: mkdtempSync(join(tmpdir(), "fw-deploy-cwd-")),
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const url = await new Promise<string>((ok, ko) => {
    const timer = setTimeout(
      () => ko(new Error(`no "listening" line within 30 s:\n${output.join("")}`)),
      30_000,
    );
    const onData = (b: Buffer) => {
      output.push(b.toString());
      const m = /listening on (\S+) \(role (\w+)\)/.exec(output.join(""));
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      ko(new Error(`exited with ${code} before listening:\n${output.join("")}`));
    });
  });
  return {
    url,
    role: env.ROLE ?? "all",
    output,
    child,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done(child.exitCode);
        child.once("exit", (code) => done(code));
        child.kill("SIGTERM");
      }),
  };
}
