// Guard: the API (src/api) uses a job type's folder only through its entry points (`index.ts`, the catalog
// entry, and `public.ts`, what the API may use), never its internals; the kit and the catalog are shared.
// The check is run on bad samples first, so a check that finds nothing cannot pass silently.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const SHARED = new Set(["kit", "runtime"]);
const ENTRY_POINTS = new Set(["index.js", "public.js"]);

/** Imports in `code` (of `file`) that reach into a job type's folder past its entry points. */
function internalImports(code: string, file: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/\bfrom\s+["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g)) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith(".")) continue;
    const target = relative(join(ROOT, "handlers"), resolve(dirname(file), spec)).split("/");
    if (target[0] === ".." || target.length < 2 || SHARED.has(target[0]!)) continue;
    if (target.length === 2 && ENTRY_POINTS.has(target[1]!)) continue;
    out.push(spec);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

describe("the check", () => {
  const route = join(ROOT, "src/api/routes/sample.ts");
  test("finds an import of a type's internals", () => {
    expect(
      internalImports(
        `import { storeTokens } from "../../../handlers/analytics-sync/accounts.js";
import { PLATFORMS } from "../../../handlers/analytics-sync/platforms/types.js";
const m = await import("../../../handlers/scrape/run-scrape.js");`,
        route,
      ),
    ).toEqual([
      "../../../handlers/analytics-sync/accounts.js",
      "../../../handlers/analytics-sync/platforms/types.js",
      "../../../handlers/scrape/run-scrape.js",
    ]);
  });
  test("lets entry points, the kit and the catalog through", () => {
    expect(
      internalImports(
        `import { updateSocialAccount } from "../../../handlers/analytics-sync/public.js";
import { scrapeJob } from "../../../handlers/scrape/index.js";
import { PLATFORMS } from "../../../handlers/kit/platforms.js";
import { urlBlockReason } from "../../../handlers/kit/net/url-guard.js";
import type { Catalog } from "../../../handlers/catalog.js";
import { ApiError } from "../errors.js";`,
        route,
      ),
    ).toEqual([]);
  });
});

test("no API file imports a job type's internals", () => {
  const files = sourceFiles(join(ROOT, "src/api"));
  expect(files.length).toBeGreaterThan(10);
  const found = files.flatMap((f) =>
    internalImports(readFileSync(f, "utf8"), f).map((spec) => `${relative(ROOT, f)}: ${spec}`),
  );
  expect(found).toEqual([]);
});
