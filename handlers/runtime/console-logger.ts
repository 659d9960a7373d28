// A Logger for Workers: one JSON line per entry on the console (Workers Logs / `wrangler tail` read it).
import type { Logger } from "../kit/context.js";

export function consoleLogger(base: Record<string, unknown> = {}): Logger {
  const line = (level: string, obj: object, msg?: string) =>
    JSON.stringify({ level, time: new Date().toISOString(), ...base, ...obj, msg });
  return {
    info: (obj, msg) => console.log(line("info", obj, msg)),
    warn: (obj, msg) => console.warn(line("warn", obj, msg)),
    error: (obj, msg) => console.error(line("error", obj, msg)),
  };
}
