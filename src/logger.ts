// pino JSON logs with secrets redacted wherever they may appear: values under known secret keys
// (SECRET_KEYS), then every serialized line is scrubbed of secret-shaped text and of the config's own
// secret values (scrubLine).
import { type Logger, pino } from "pino";

/**
 * Keys (compared in lower case) whose values are censored wherever they appear in a log object, down to
 * three levels (`req.headers.authorization`). A walk over the object, copying only the branches it censors:
 * pino's own `redact` (@pinojs/redact) ran every top-level value through a clone-and-match of each wildcard
 * path, about 29 µs per line against 1 µs here (measured on the relay's "job attempt" line).
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  "authorization",
  "cookie",
  "set-cookie",
  "upstash-signature",
  "x-flywheel-signature",
  "apikey",
  "api_key",
  "accesstoken",
  "access_token",
  "refreshtoken",
  "refresh_token",
  "token",
  "password",
  "secret",
  "signingkey",
  "clientsecret",
  "client_secret",
  "privatekey",
]);

const CENSOR = "[redacted]";
const MAX_DEPTH = 3;

function isPlain(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `value` itself when nothing in it is censored, else a copy with the secret values replaced. */
export function censorSecrets<T>(value: T, depth = 1): T {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    const items = value.map((v: unknown) => censorSecrets(v, depth + 1));
    return (items.some((v, i) => v !== value[i]) ? items : value) as T;
  }
  if (!isPlain(value)) return value;
  let copy: Record<string, unknown> | null = null;
  for (const key in value) {
    const v = value[key];
    let next = v;
    if (v != null) {
      if (SECRET_KEYS.has(key.toLowerCase())) next = CENSOR;
      else if (typeof v === "object") next = censorSecrets(v, depth + 1);
    }
    if (next === v) continue;
    copy ??= { ...value };
    copy[key] = next;
  }
  return (copy ?? value) as T;
}

/** Config keys (and log fields) whose values are secrets. */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|SIGNING_KEY|API_KEY|ENCRYPTION_KEYS?)$/i;

/** Secret values seen in this process's config (set at start); any log line containing one is censored. */
const knownSecrets = new Set<string>();

/** Remembers secret values (config's tokens, keys, passwords) so no log line can carry them. */
export function rememberSecrets(values: Iterable<string | undefined | null>): void {
  for (const v of values) if (v && v.length >= 8) knownSecrets.add(v);
}

/** The secret values of a config: every *_TOKEN/*_SECRET/*_KEY value and the passwords inside URLs. */
export function configSecrets(config: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    if (typeof v !== "string") continue;
    if (SECRET_NAME.test(k)) out.push(v, ...v.split(/[\s,;:=]+/).filter((p) => p.length >= 12));
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:([^\s@/]+)@/i.exec(v);
    if (m) out.push(m[1]!, decodeURIComponent(m[1]!));
  }
  return out;
}

/** A config safe to log: secret values replaced, passwords in URLs masked. */
export function redactConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [
      k,
      v === undefined ? v : SECRET_NAME.test(k) ? "[redacted]" : typeof v === "string" ? scrubSecrets(v) : v,
    ]),
  );
}

/**
 * Strips credentials from free text: passwords in URLs, Bearer/Basic credentials, API keys (ours, OpenAI's),
 * JWTs (QStash signatures), `access_token=...`-style pairs and `"password":"..."` fields in quoted JSON.
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"]*:)[^\s@/"]+@/gi, "$1***@")
    .replace(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, "$1***")
    .replace(/\b(Basic\s+)[A-Za-z0-9+/=]{6,}/g, "$1***")
    .replace(/\b(fw_[a-f0-9]{12}_)[A-Za-z0-9_-]+/g, "$1***")
    .replace(/\b(fw_(?:live|demo)_)[A-Za-z0-9]+/g, "$1***")
    .replace(/\bsk-[A-Za-z0-9_-]{16,}/g, "sk-***")
    .replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g, "[jwt]")
    .replace(
      /\b((?:access_token|refresh_token|id_token|client_secret|api_key|apikey|password|secret|token)=)[^&\s"\\]+/gi,
      "$1***",
    )
    .replace(
      /(\\?"(?:access_token|refresh_token|id_token|client_secret|api_key|password|secret|token)\\?"\s*:\s*\\?")[^"\\]+/gi,
      "$1***",
    );
}

/** The last line of defence, applied to every serialized log line: patterns, then known secret values. */
export function scrubLine(line: string): string {
  let out = scrubSecrets(line);
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
  return out;
}

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const logger = pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? "info",
      base: { service: "flywheel-workers" },
      formatters: { level: (label) => ({ level: label }), log: (object) => censorSecrets(object) },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: scrubLine },
    },
    opts.destination,
  );
  // pino applies `formatters.bindings` to the root only; children (which inherit this method) censor here.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, censorSecrets(bindings), options);
  } as typeof child;
  return logger;
}

export type { Logger };
