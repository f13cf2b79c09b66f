/**
 * The split-brain audit from the masters' own logs. Each master's scheduler and
 * controller manager run under a leader elector (libs/leader) that logs, at info with
 * its `identity` (`mX_<uuid>`, new for every process start) and its `lease`:
 *   "started leading" (term begins; logged once the winning write answered)
 *   "stopped leading" (term ends: renew deadline passed, lease lost, or shutdown)
 * A process killed with SIGKILL logs no end, so its open terms are closed at the kill:
 * the earlier of when Docker saw the container exit and when the test's kill call
 * returned (the process cannot have acted after either: a conservative, late bound).
 * Terms still open at the audit are open-ended (leaderOverlaps takes now).
 * Containers share the host's clock, so the log times of different masters compare.
 */
import { leaderOverlaps, type LeaderInterval } from "@flotilla/history";
import type { Master } from "./members.ts";

/** When a killed member was last alive at the latest (see the header). */
export interface KillRecord {
  member: string;
  atMs: number;
}

interface TermLine {
  msg: string;
  time: number;
  identity: string;
  lease: string;
  term?: number;
}

/** Every "started leading" / "stopped leading" line of one master's output (all its runs). */
export function termLines(output: string): TermLine[] {
  const out: TermLine[] = [];
  for (const line of output.split("\n")) {
    if (!line.includes("leading\"")) continue;
    let o: Partial<TermLine>;
    try {
      o = JSON.parse(line) as Partial<TermLine>;
    } catch {
      continue;
    }
    if ((o.msg === "started leading" || o.msg === "stopped leading") && typeof o.time === "number" && o.identity && o.lease) out.push(o as TermLine);
  }
  return out;
}

/** "kube-scheduler" from "kube-system/kube-scheduler" (the elector's child logger names it either way). */
const component = (lease: string): string => lease.replace(/^kube-system\//, "");

/** Terms of one master, closed by its logged ends or by its kills. */
export function intervalsOf(master: string, lines: readonly TermLine[], kills: readonly KillRecord[]): LeaderInterval[] {
  const open = new Map<string, LeaderInterval>();
  const done: LeaderInterval[] = [];
  for (const l of [...lines].sort((a, b) => a.time - b.time)) {
    const key = `${l.identity} ${component(l.lease)} ${l.term ?? ""}`;
    if (l.msg === "started leading") open.set(key, { component: component(l.lease), identity: l.identity, startMs: l.time, endMs: undefined });
    else {
      const i = open.get(key);
      if (i) done.push({ ...i, endMs: l.time });
      open.delete(key);
    }
  }
  for (const i of open.values()) {
    const kill = kills.filter((k) => k.member === master && k.atMs >= i.startMs).sort((a, b) => a.atMs - b.atMs)[0];
    done.push({ ...i, endMs: kill?.atMs });
  }
  return done;
}

export interface LeaderAudit {
  intervals: LeaderInterval[];
  overlaps: ReturnType<typeof leaderOverlaps>;
  /** Terms per component, to show the audit saw something. */
  terms: Record<string, number>;
}

/** Read every master's whole output and look for overlapping terms of different holders. */
export async function auditLeaders(masters: readonly Master[], kills: readonly KillRecord[]): Promise<LeaderAudit> {
  const intervals = (await Promise.all(masters.map(async (m) => intervalsOf(m.name, termLines(await m.logs(1_000_000_000)), kills)))).flat();
  const terms: Record<string, number> = {};
  for (const i of intervals) terms[i.component] = (terms[i.component] ?? 0) + 1;
  return { intervals, overlaps: leaderOverlaps(intervals), terms };
}

/** Overlaps whose later term began within [fromMs, toMs]: those a scenario caused. */
export function overlapsBetween(audit: LeaderAudit, fromMs: number, toMs: number): LeaderAudit["overlaps"] {
  return audit.overlaps.filter((o) => o.b.startMs >= fromMs && o.b.startMs <= toMs);
}

export const describeOverlap = (o: LeaderAudit["overlaps"][number]): string =>
  `${o.a.component}: ${o.a.identity} [${new Date(o.a.startMs).toISOString()} – ${o.a.endMs ? new Date(o.a.endMs).toISOString() : "open"}] and ${o.b.identity} from ${new Date(o.b.startMs).toISOString()}: ${o.overlapMs} ms`;
