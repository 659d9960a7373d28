// First start on an empty embedded database: a "demo" organization whose API key, with the admin token,
// goes to DATA_DIR/credentials (mode 0600). Only the path is printed, never the secrets.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Db } from "../../db/client.js";
import { countOrgs, createOrg } from "../../db/queries/orgs.js";

export interface Credentials {
  ADMIN_TOKEN?: string;
  DEMO_API_KEY?: string;
  QSTASH_CURRENT_SIGNING_KEY?: string;
  QSTASH_NEXT_SIGNING_KEY?: string;
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
