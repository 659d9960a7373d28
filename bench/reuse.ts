// Runs the stand-alone bench scripts other parts of the project keep (bench/idle-commands.ts,
// bench/schedule-precision.ts) as child processes and reads their markdown output, so their measurement
// is reused rather than duplicated. Returns null when a script is absent or its output cannot be read.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export async function runScript(
  name: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<string | null> {
  const file = fileURLToPath(new URL(`./${name}`, import.meta.url));
  if (!existsSync(file)) return null;
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += String(d);
  });
  child.stderr!.on("data", (d: Buffer) => {
    err += String(d);
  });
  const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0) {
    console.error(`${name} exited with ${code}:\n${err.slice(-2000)}`);
    return null;
  }
  return out;
}

/** bench/idle-commands.ts: per-hour counts by command (its first table), by worker queue (its second), total. */
export function parseIdle(
  md: string,
): { perHour: Record<string, number>; byQueue: Record<string, number>; total: number } | null {
  const perHour: Record<string, number> = {};
  const byQueue: Record<string, number> = {};
  let total: number | null = null;
  for (const line of md.split("\n")) {
    const t = /^\| \*\*total[^|]*\| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \|/.exec(line);
    if (t) total = Number(t[2]);
    const m = /^\| ([\w.:-]+) \| (\d+) \| (\d+) \|$/.exec(line.trim());
    if (m) (total === null ? perHour : byQueue)[m[1]!] = Number(m[3]);
  }
  return total === null ? null : { perHour, byQueue, total };
}

/** bench/schedule-precision.ts: fires, p50 and p99 lateness (ms). */
export function parseSchedule(md: string): { fires: number; p50: number; p99: number } | null {
  const m = /^\| bullmq \|[^|]*\| (\d+) \([^)]*\) \| (-?[\d.]+) ms \| (-?[\d.]+) ms \|/m.exec(md);
  return m ? { fires: Number(m[1]), p50: Number(m[2]), p99: Number(m[3]) } : null;
}
