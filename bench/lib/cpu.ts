/**
 * CPU time of the server process, its nats-server child and the bench itself, read
 * from /proc (Linux only). The load generator shares the machine's cores with the
 * server, so every figure is printed beside who used the CPU while it was measured.
 */
import { readFileSync } from "node:fs";

/** /proc/<pid>/stat counts in clock ticks; 100 per second on every Linux we run. */
const TICKS_PER_SECOND = 100;

function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size in MiB, NaN when the process is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Direct children of a process (for the nats-server the flotilla server spawns). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export interface CpuShare {
  /** Percent of one core over the window, per process. */
  apiserver: number;
  nats: number;
  bench: number;
}

/** Start a CPU window; the returned function ends it and gives each process's share. */
export function cpuWindow(apiserverPid: number, natsPid: number): () => CpuShare {
  const t0 = performance.now();
  const a0 = procCpuMs(apiserverPid);
  const n0 = procCpuMs(natsPid);
  const b0 = process.cpuUsage();
  return () => {
    const wall = performance.now() - t0;
    const b = process.cpuUsage(b0);
    const pct = (cpuMs: number): number => (100 * cpuMs) / wall;
    return { apiserver: pct(procCpuMs(apiserverPid) - a0), nats: pct(procCpuMs(natsPid) - n0), bench: pct((b.user + b.system) / 1000) };
  };
}

export function formatCpu(c: CpuShare): string {
  return `${c.apiserver.toFixed(0)}/${c.nats.toFixed(0)}/${c.bench.toFixed(0)}`;
}
