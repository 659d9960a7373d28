// `npm start` on embedded defaults: PGlite under DATA_DIR, the demo organization, credentials in a 0600
// file with only its path printed, and a content job running end to end on the offline composer.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { createTestRedis, type TestRedis } from "../helpers/redis.js";
import { freePort } from "../helpers/services.js";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;
let child: ChildProcess | null = null;
let redis: TestRedis | null = null;
afterAll(async () => {
  child?.kill("SIGTERM");
  await redis?.cleanup();
});

function run(env: Record<string, string>) {
  const out: string[] = [];
  const p = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  p.stdout!.on("data", (d) => out.push(String(d)));
  p.stderr!.on("data", (d) => out.push(String(d)));
  const exited = new Promise<number | null>((r) => p.once("exit", (c) => r(c)));
  return { p, out, exited };
}

test("a bad variable stops the start, naming it", async () => {
  const { out, exited } = run({ PORT: "not-a-port", RETRY_DELAYS_MS: "soon" });
  expect(await exited).toBe(1);
  const text = out.join("");
  expect(text).toContain("PORT");
  expect(text).toContain("RETRY_DELAYS_MS");
});

test("embedded start: PGlite, demo org, 0600 credentials, offline content generation end to end", {
  timeout: 120_000,
}, async () => {
  redis = await createTestRedis();
  const dataDir = mkdtempSync(join(tmpdir(), "fw-embedded-"));
  const port = await freePort();
  const started = run({
    DATA_DIR: dataDir,
    PORT: String(port),
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    LOG_LEVEL: "warn",
  });
  child = started.p;
  await eventually(() => started.out.join("").includes("listening on"), {
    timeoutMs: 90_000,
    intervalMs: 200,
  });
  const printed = started.out.join("");
  const credsPath = join(dataDir, "credentials");
  expect(printed).toContain(credsPath);
  expect(statSync(credsPath).mode & 0o777).toBe(0o600);
  const creds = Object.fromEntries(
    readFileSync(credsPath, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  expect(creds.DEMO_API_KEY).toMatch(/^fw_/);
  expect(printed).not.toContain(creds.DEMO_API_KEY);
  expect(printed).not.toContain(creds.ADMIN_TOKEN);

  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${creds.DEMO_API_KEY}`, "content-type": "application/json" };
  const res = await fetch(`${base}/v1/jobs`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      type: "content-generation",
      userId: "demo-user",
      payload: { topic: "Our new rooftop garden", platforms: ["twitter", "linkedin"] },
    }),
  });
  expect(res.status).toBe(202);
  const { job } = (await res.json()) as { job: { id: string } };
  await eventually(
    async () => {
      const j = (await (await fetch(`${base}/v1/jobs/${job.id}`, { headers: auth })).json()) as {
        job: { status: string };
      };
      return j.job.status === "completed";
    },
    { timeoutMs: 30_000 },
  );
  const content = (await (await fetch(`${base}/v1/content?jobId=${job.id}`, { headers: auth })).json()) as {
    items: { platform: string; text: string }[];
  };
  expect(content.items.map((i) => i.platform).sort()).toEqual(["linkedin", "twitter"]);
  expect(content.items.every((i) => i.text.length > 20)).toBe(true);
});
