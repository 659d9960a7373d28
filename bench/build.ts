// What the bench's child processes run: the production build, made once per bench run. `.ci/build.ts` (the
// script behind `npm run build` → dist/) transpiles src/, handlers/ and db/ into .tmp/bench-build-<rand>/
// (inside the repo, so node_modules resolves as it does for dist/), and bench/*.ts are transpiled next to it
// by the same script (file by file, no bundling) into its bench/ folder. Children then start with plain
// `node <file>.js`, no tsx loader, as the Docker image starts `node dist/main.js`. The directory is removed
// when this process exits; BENCH_BUILT_DIR names an existing one instead (a parent bench run passes its own
// to bench/idle-commands.ts, which then neither builds nor removes it).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
let built: Promise<string> | null = null;

/** The build directory (`main.js`, `src/`, `handlers/`, `db/`, `bench/`), built on the first call. */
export function builtDir(): Promise<string> {
  const given = process.env.BENCH_BUILT_DIR;
  if (given) return Promise.resolve(given);
  built ??= buildOnce();
  return built;
}

async function buildOnce(): Promise<string> {
  const dir = join(ROOT, ".tmp", `bench-build-${randomBytes(4).toString("hex")}`);
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  await promisify(execFile)(join(ROOT, "node_modules/.bin/tsx"), [".ci/build.ts", dir, "bench"], {
    cwd: ROOT,
    timeout: 120_000,
  });
  return dir;
}
