/**
 * CPU time of the server process, its nats-server child and the bench itself, read
 * from /proc (Linux only). The load generator shares the machine's cores with the
 * server, so every figure is printed beside who used the CPU while it was measured.
 */
import { readFileSync } from "node:fs";

/** /proc/<pid>/stat counts in clock ticks; 100 per second on every Linux we run. */
const TICKS_PER_SECOND = 100;

export function procCpuMs(pid: number): number {
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

/** Machine-wide busy and steal time from /proc/stat's "cpu" line, in ms over all cores. */
function machineCpuMs(): { busy: number; steal: number } {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    const toMs = (ticks: number): number => (ticks * 1000) / TICKS_PER_SECOND;
    return { busy: toMs(user! + nice! + system! + irq! + softirq!), steal: toMs(steal!) };
  } catch {
    return { busy: Number.NaN, steal: Number.NaN };
  }
}

export interface CpuShare {
  /** Percent of one core over the window, per process. */
  apiserver: number;
  nats: number;
  bench: number;
  /** Everything else on the machine (other users' tests, the kernel's own work). */
  other: number;
  /** Time the hypervisor ran someone else on our virtual CPUs. */
  steal: number;
}

/** Start a CPU window; the returned function ends it and gives each process's share. */
export function cpuWindow(apiserverPid: number, natsPid: number): () => CpuShare {
  const t0 = performance.now();
  const a0 = procCpuMs(apiserverPid);
  const n0 = procCpuMs(natsPid);
  const b0 = process.cpuUsage();
  const m0 = machineCpuMs();
  return () => {
    const wall = performance.now() - t0;
    const b = process.cpuUsage(b0);
    const m = machineCpuMs();
    const pct = (cpuMs: number): number => (100 * cpuMs) / wall;
    const share = { apiserver: pct(procCpuMs(apiserverPid) - a0), nats: pct(procCpuMs(natsPid) - n0), bench: pct((b.user + b.system) / 1000) };
    const other = Math.max(0, pct(m.busy - m0.busy) - share.apiserver - share.nats - share.bench);
    return { ...share, other, steal: pct(m.steal - m0.steal) };
  };
}

/** "apiserver/nats/bench/other" in % of one core; steal appended when noticeable. */
export function formatCpu(c: CpuShare): string {
  const steal = c.steal >= 1 ? ` st${c.steal.toFixed(0)}` : "";
  return `${c.apiserver.toFixed(0)}/${c.nats.toFixed(0)}/${c.bench.toFixed(0)}/${c.other.toFixed(0)}${steal}`;
}
