// The secrets a start needs, known before anything else is built: given ones from the environment;
// in embedded mode (no DATABASE_URL) the rest are generated once and kept in DATA_DIR/credentials (mode
// 0600, never printed): the admin token, the signing keys, the demo API key (TOKEN_ENCRYPTION_KEYS: see
// withEmbeddedTokenKeys, applied to the config before start).
import { randomBytes } from "node:crypto";
import type { Config } from "../config.js";
import { ensureDemoOrg, readCredentials, writeCredentials } from "../embedded/setup.js";
import type { Logger } from "../logger.js";
import type { Postgres } from "../runtime/postgres.js";

export type Secrets = Pick<Config, "ADMIN_TOKEN" | "QSTASH_CURRENT_SIGNING_KEY" | "QSTASH_NEXT_SIGNING_KEY">;

const token = (prefix = "") => `${prefix}${randomBytes(24).toString("base64url")}`;

export async function resolveSecrets(
  config: Config,
  pg: Postgres,
  log: Logger,
): Promise<{
  secrets: Secrets & { QSTASH_CURRENT_SIGNING_KEY: string; QSTASH_NEXT_SIGNING_KEY: string };
  credentialsFile: string | null;
}> {
  const embedded = !config.DATABASE_URL;
  const saved = embedded ? readCredentials(config.DATA_DIR) : {};
  const current = config.QSTASH_CURRENT_SIGNING_KEY ?? saved.QSTASH_CURRENT_SIGNING_KEY;
  const next = config.QSTASH_NEXT_SIGNING_KEY ?? saved.QSTASH_NEXT_SIGNING_KEY;
  if ((!current || !next) && config.ROLE !== "all")
    throw new Error(`ROLE=${config.ROLE} needs QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY`);
  const secrets = {
    ADMIN_TOKEN: config.ADMIN_TOKEN ?? (embedded ? (saved.ADMIN_TOKEN ?? token()) : undefined),
    QSTASH_CURRENT_SIGNING_KEY: current ?? token("sig_"),
    QSTASH_NEXT_SIGNING_KEY: next ?? token("sig_"),
  };
  if (!embedded) {
    if (!secrets.ADMIN_TOKEN) log.warn("ADMIN_TOKEN is unset: /admin routes refuse every request");
    return { secrets, credentialsFile: null };
  }
  const demoKey = await pg.withSetupLock((db) => ensureDemoOrg(db));
  const credentialsFile = writeCredentials(config.DATA_DIR, {
    ...saved,
    ...secrets,
    ...(demoKey ? { DEMO_API_KEY: demoKey } : {}),
  });
  return { secrets, credentialsFile };
}
