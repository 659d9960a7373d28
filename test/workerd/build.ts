// Builds the handlers' worker exactly as `wrangler deploy` would (wrangler's bundler, `--dry-run --outdir`)
// and reads the compatibility settings from wrangler.toml, so Miniflare runs what production runs.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "../..");

export interface BuiltWorker {
  dir: string;
  scriptPath: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
}

export function readWranglerToml(): {
  main: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
} {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const main = /^main\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
  if (!main || !date) throw new Error("wrangler.toml needs main and compatibility_date");
  return {
    main,
    compatibilityDate: date,
    compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]!),
  };
}

export async function buildWorker(): Promise<BuiltWorker> {
  const dir = mkdtempSync(join(tmpdir(), "fw-worker-"));
  await promisify(execFile)(
    join(ROOT, "node_modules/.bin/wrangler"),
    ["deploy", "--dry-run", "--outdir", dir],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" }, timeout: 120_000 },
  );
  const { compatibilityDate, compatibilityFlags } = readWranglerToml();
  return { dir, scriptPath: join(dir, "worker.js"), compatibilityDate, compatibilityFlags };
}
