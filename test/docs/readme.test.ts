// The README stays true: its configuration table names exactly the variables the config schema reads,
// and it shows the two quick-start commands.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { configSchema } from "../../src/config.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

test("every configuration variable is documented, and nothing else", () => {
  const section = readme.slice(
    readme.indexOf("## Configuration"),
    readme.indexOf("\n## ", readme.indexOf("## Configuration") + 5),
  );
  const documented = new Set<string>();
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `")) continue;
    for (const m of line.split("|")[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) documented.add(m[1]!);
  }
  const inSchema = new Set(Object.keys(configSchema.shape));
  expect([...inSchema].filter((k) => !documented.has(k)).sort()).toEqual([]);
  expect([...documented].filter((k) => !inSchema.has(k)).sort()).toEqual([]);
});

test("the quick start shows the two commands", () => {
  expect(readme).toContain("npm ci && npm start");
  expect(readme).toContain("npm test");
});
