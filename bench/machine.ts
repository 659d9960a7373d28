// Machine facts printed with the results: CPUs, memory, Node, Redis, Postgres, and how busy the machine
// was (load average and other test/benchmark processes), since a shared machine skews every figure.
import { execFileSync } from "node:child_process";
import os from "node:os";

export interface MachineFacts {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  redis: string;
  postgres: string;
  platform: string;
}

export function machineFacts(redis: string, postgres: string): MachineFacts {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "?",
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    redis,
    postgres,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** Other node processes (test runners, services) not started by this benchmark. */
export function otherNodeProcesses(): number {
  try {
    const out = execFileSync("ps", ["-eo", "pid,ppid,comm"], { encoding: "utf8" });
    const mine = new Set([process.pid, process.ppid]);
    return out
      .split("\n")
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter(
        ([pid, ppid, comm]) => comm?.startsWith("node") && !mine.has(Number(pid)) && !mine.has(Number(ppid)),
      ).length;
  } catch {
    return 0;
  }
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
}
