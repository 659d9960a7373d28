// Runs a bench fixture (service-process.ts or raw-process.ts) as a child process: its built output (see
// build.ts) with plain `node bench/<fixture>.js`, no tsx loader and no flags, the same way for the system's
// service and for raw BullMQ's worker; waits for its READY line, reads its resident memory from /proc
// (Linux), asks it for its command counts, kills it.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { builtDir } from "./build.js";
import type { CommandCounts } from "./redis-counter.js";

export interface BenchChild {
  process: ChildProcess;
  /** What followed READY (the service URL). */
  url: string;
  output: string[];
  exited: Promise<number | null>;
  /** Resident set size now, in MB. */
  rssMb(): number;
  /** CPU time (user + system) used so far, in ms (Linux /proc). */
  cpuMs(): number;
  counts(): Promise<{ redis: CommandCounts; pg: Record<string, number> }>;
  /** SIGTERM and wait; or kill -9 with `hard`. */
  stop(hard?: boolean): Promise<void>;
}

export function rssMbOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: ask ps
  }
  return Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) / 1024;
}

/** A process's CPU time so far (utime + stime from /proc/<pid>/stat), in ms; NaN off Linux. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11], fields[12]: utime, stime in clock ticks (USER_HZ, 100 on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

export async function spawnFixture(
  fixture: "service-process.ts" | "raw-process.ts" | "peer-process.ts",
  env: Record<string, string>,
): Promise<BenchChild> {
  const file = join(await builtDir(), "bench", fixture.replace(/\.ts$/, ".js"));
  // BENCH_CPU_PROF=<dir>: each child writes a V8 CPU profile there when it exits (to find where time goes).
  const dir = process.env.BENCH_CPU_PROF;
  const flags = dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
  const child = spawn(process.execPath, [...flags, file], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const output: string[] = [];
  const waiters: Array<(line: string) => boolean> = [];
  let buffer = "";
  child.stdout!.on("data", (d: Buffer) => {
    buffer += String(d);
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith("COUNTS ")) output.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!(line)) waiters.splice(i, 1);
      nl = buffer.indexOf("\n");
    }
  });
  child.stderr!.on("data", (d: Buffer) => output.push(String(d)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const nextLine = (prefix: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${fixture}: no "${prefix}" within ${timeoutMs} ms:\n${output.join("\n")}`)),
        timeoutMs,
      );
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${fixture} exited with ${code}:\n${output.join("\n")}`));
      });
      waiters.push((line) => {
        if (!line.startsWith(prefix)) return false;
        clearTimeout(timer);
        resolve(line.slice(prefix.length));
        return true;
      });
    });
  const url = await nextLine("READY ", 60_000);
  return {
    process: child,
    url,
    output,
    exited,
    rssMb: () => rssMbOf(child.pid!),
    cpuMs: () => cpuMsOf(child.pid!),
    async counts() {
      const line = nextLine("COUNTS ", 10_000);
      child.stdin!.write("counts\n");
      return JSON.parse(await line) as { redis: CommandCounts; pg: Record<string, number> };
    },
    async stop(hard = false) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(hard ? "SIGKILL" : "SIGTERM");
      await exited;
    },
  };
}
