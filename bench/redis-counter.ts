// Counts the Redis commands this process's ioredis clients send (what Upstash bills: one per command, a
// script call is one EVALSHA whatever it runs inside), by wrapping Redis.prototype.sendCommand. Script calls
// are named after the script (BullMQ's "moveToActive-11", our "fairPriority"...). Install once per process.
import { Redis } from "ioredis";

interface CommandLike {
  name: string;
  args: unknown[];
}
interface ScriptLike {
  sha: string;
}

const counts = new Map<string, number>();
const seen = new WeakSet<object>();
const shaNames = new Map<string, string>();
let installed = false;

function scriptName(client: Redis, sha: string): string {
  const known = shaNames.get(sha);
  if (known) return known;
  const scripts = (client as unknown as { scriptsSet?: Record<string, ScriptLike> }).scriptsSet ?? {};
  for (const [name, script] of Object.entries(scripts)) shaNames.set(script.sha, name);
  return shaNames.get(sha) ?? `script:${sha.slice(0, 8)}`;
}

function label(client: Redis, command: CommandLike): string {
  const name = command.name.toLowerCase();
  if (name === "evalsha" && typeof command.args[0] === "string")
    return `evalsha ${scriptName(client, command.args[0])}`;
  return name;
}

/** Starts counting (idempotent). Every ioredis client in this process is counted, BullMQ's included. */
export function installRedisCounter(): void {
  if (installed) return;
  installed = true;
  const proto = Redis.prototype as unknown as {
    sendCommand(this: Redis, command: CommandLike, stream?: unknown): unknown;
  };
  const original = proto.sendCommand;
  proto.sendCommand = function (this: Redis, command: CommandLike, stream?: unknown) {
    // A command may pass through sendCommand again (offline queue flush, resend): count it once.
    if (!seen.has(command)) {
      seen.add(command);
      const key = label(this, command);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return original.call(this, command, stream);
  };
}

export type CommandCounts = Record<string, number>;

/** A copy of the counts so far. */
export function redisCounts(): CommandCounts {
  return Object.fromEntries(counts);
}

export function resetRedisCounts(): void {
  counts.clear();
}

export function totalOf(c: CommandCounts): number {
  return Object.values(c).reduce((a, b) => a + b, 0);
}

/** Counts in `after` minus those in `before`. */
export function diffCounts(after: CommandCounts, before: CommandCounts): CommandCounts {
  const out: CommandCounts = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d) out[k] = d;
  }
  return out;
}
