// `npm start` on embedded defaults: PGlite under DATA_DIR, the demo organization, credentials (with a
// generated TOKEN_ENCRYPTION_KEYS) in a 0600 file with only its path printed, a content job running end to
// end on the offline composer, and a social account connected.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { createTokenCipher } from "../../handlers/analytics-sync/token-crypto.js";
import { parseConfig } from "../../src/config.js";
import { readCredentials, withEmbeddedTokenKeys } from "../../src/embedded/setup.js";
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

test("the embedded start's TOKEN_ENCRYPTION_KEYS: generated once into the 0600 file, kept, never over a set one", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "fw-keys-"));
  writeFileSync(join(dataDir, "credentials"), "ADMIN_TOKEN=kept-admin-token-0123\n");
  const first = withEmbeddedTokenKeys(parseConfig({ DATA_DIR: dataDir }));
  expect(first.TOKEN_ENCRYPTION_KEYS).toMatch(/^k1:[A-Za-z0-9+/]{43}=$/);
  expect(readCredentials(dataDir)).toEqual({
    ADMIN_TOKEN: "kept-admin-token-0123",
    TOKEN_ENCRYPTION_KEYS: first.TOKEN_ENCRYPTION_KEYS,
  });
  const sealed = await createTokenCipher(first.TOKEN_ENCRYPTION_KEYS).encrypt("sa_1", "secret");
  // A restart reads the same key, so what was stored still decrypts.
  const again = withEmbeddedTokenKeys(parseConfig({ DATA_DIR: dataDir }));
  expect(await createTokenCipher(again.TOKEN_ENCRYPTION_KEYS).decrypt("sa_1", sealed)).toBe("secret");

  const fresh = mkdtempSync(join(tmpdir(), "fw-keys-"));
  withEmbeddedTokenKeys(parseConfig({ DATA_DIR: fresh }));
  expect(statSync(join(fresh, "credentials")).mode & 0o777).toBe(0o600);
  const set = parseConfig({ DATA_DIR: dataDir, TOKEN_ENCRYPTION_KEYS: "mine:x" });
  expect(withEmbeddedTokenKeys(set)).toBe(set);
  const server = parseConfig({ DATA_DIR: fresh, DATABASE_URL: "postgres://db/x" });
  expect(withEmbeddedTokenKeys(server).TOKEN_ENCRYPTION_KEYS).toBeUndefined();
});

test("embedded start: PGlite, demo org, 0600 credentials, offline content generation, a social account", {
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
  expect(creds.TOKEN_ENCRYPTION_KEYS).toMatch(/^k1:/);
  expect(printed).not.toContain(creds.TOKEN_ENCRYPTION_KEYS!.slice(3));

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

  // The analytics half works on a fresh clone too: tokens are encrypted with the generated key.
  const account = await fetch(`${base}/v1/social-accounts`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      userId: "demo-user",
      platform: "twitter",
      externalAccountId: "2244994945",
      accessToken: "embedded-access-token-0123",
    }),
  });
  expect(account.status).toBe(201);
  expect(await account.json()).toMatchObject({ socialAccount: { platform: "twitter", status: "active" } });
});
