// `npm run build [-- outdir [extra dirs…]]`: transpiles src/, handlers/ and db/ (and any extra source folders, e.g.
// bench/ for the bench's child processes) to dist/ file by file with esbuild (no bundling, so
// import.meta.url paths such as db/migrations keep working), copies the migrations, and writes
// dist/main.js, the entry the Docker image runs with plain `node dist/main.js`. Types are checked by
// `npm run typecheck`, not here.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
/** dist/ by default; tests pass a directory inside the repo (so node_modules still resolves). */
const OUT = resolve(ROOT, process.argv[2] ?? "dist");
const EXTRA = process.argv.slice(3);

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = join(dir, e.name);
    if (e.isDirectory()) return e.name === "migrations" ? [] : sources(rel);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && !e.name.endsWith(".d.ts") ? [rel] : [];
  });
}

rmSync(OUT, { recursive: true, force: true });
const entryPoints = ["src", "handlers", "db", ...EXTRA].flatMap(sources);
await build({
  absWorkingDir: ROOT,
  entryPoints,
  outdir: OUT,
  outbase: ".",
  bundle: false,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
});
mkdirSync(join(OUT, "db"), { recursive: true });
cpSync(join(ROOT, "db/migrations"), join(OUT, "db/migrations"), { recursive: true });
writeFileSync(join(OUT, "main.js"), '// The service entry (see src/main.ts).\nimport "./src/main.js";\n');
console.log(`built ${entryPoints.length} files into ${OUT}`);
