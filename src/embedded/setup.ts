// First start on an empty embedded database: a "demo" organization whose API key, with the admin token,
// the signing keys and the token encryption keys, goes to DATA_DIR/credentials (mode 0600). Only the path
// is printed, never the secrets.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Db } from "../../db/client.js";
import { countOrgs, createOrg } from "../../db/queries/orgs.js";
import type { Config } from "../config.js";

export interface Credentials {
  ADMIN_TOKEN?: string;
  DEMO_API_KEY?: string;
  QSTASH_CURRENT_SIGNING_KEY?: string;
  QSTASH_NEXT_SIGNING_KEY?: string;
  TOKEN_ENCRYPTION_KEYS?: string;
  [key: string]: string | undefined;
}

export function credentialsPath(dataDir: string): string {
  return resolve(join(dataDir, "credentials"));
}

export function readCredentials(dataDir: string): Credentials {
  const path = credentialsPath(dataDir);
  if (!existsSync(path)) return {};
  const out: Credentials = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export function writeCredentials(dataDir: string, creds: Credentials): string {
  mkdirSync(dataDir, { recursive: true });
  const path = credentialsPath(dataDir);
  const body = Object.entries(creds)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
  writeFileSync(path, `# flywheel-workers embedded credentials (keep secret)\n${body}\n`, { mode: 0o600 });
  return path;
}

/** Creates the demo organization when the database has none; returns its key (once). */
export async function ensureDemoOrg(db: Db): Promise<string | null> {
  if ((await countOrgs(db)) > 0) return null;
  const { apiKey } = await createOrg(db, "demo");
  return apiKey;
}

/** A new TOKEN_ENCRYPTION_KEYS value: one random 32-byte AES-256-GCM key with id `k1` (token-crypto.ts). */
export function newTokenEncryptionKeys(): string {
  return `k1:${randomBytes(32).toString("base64")}`;
}

/**
 * The config of an embedded start (no DATABASE_URL) with TOKEN_ENCRYPTION_KEYS, so social accounts can be
 * connected on a fresh clone: the variable when set, else the key in DATA_DIR/credentials, else a new one
 * written there first (kept across restarts: tokens stored now must still decrypt). Other starts unchanged.
 */
export function withEmbeddedTokenKeys(config: Config): Config {
  if (config.DATABASE_URL || config.TOKEN_ENCRYPTION_KEYS) return config;
  const creds = readCredentials(config.DATA_DIR);
  let keys = creds.TOKEN_ENCRYPTION_KEYS;
  if (!keys) {
    keys = newTokenEncryptionKeys();
    writeCredentials(config.DATA_DIR, { ...creds, TOKEN_ENCRYPTION_KEYS: keys });
  }
  return Object.freeze({ ...config, TOKEN_ENCRYPTION_KEYS: keys });
}
