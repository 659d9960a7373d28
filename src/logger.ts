// pino JSON logs with secrets redacted wherever they may appear (headers, tokens, keys, URLs' passwords).
import { type Logger, pino } from "pino";

export const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "*.headers.authorization",
  'headers["upstash-signature"]',
  "*.apiKey",
  "apiKey",
  "*.accessToken",
  "*.refreshToken",
  "accessToken",
  "refreshToken",
  "*.token",
  "*.password",
  "*.secret",
  "*.signingKey",
  "*.access_token",
  "*.refresh_token",
];

/** Strips credentials from URLs in free text (postgres://user:pass@host → postgres://user:***@host). */
export function scrubSecrets(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, "$1***@")
    .replace(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, "$1***")
    .replace(/\b(fw_(?:live|demo)_)[A-Za-z0-9]+/g, "$1***");
}

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? "info",
      base: { service: "flywheel-workers" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}

export type { Logger };
