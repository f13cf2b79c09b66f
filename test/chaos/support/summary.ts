/**
 * The chaos suite's report: one row per scenario figure, printed as one table once every
 * scenario has run (a scenario that failed still shows what it measured before).
 */
import type { CheckResult } from "@flotilla/history";

export interface SummaryRow {
  scenario: string;
  /** Faults injected (kills, partitions, full-cluster restarts). */
  kills: string;
  figure: string;
  /** Seconds, one per fault; a fault whose figure never came is NaN. */
  samples: number[];
  /** e.g. "≤ 3 s"; "-" when the issue sets none. */
  target: string;
  history?: CheckResult["counts"] & { lost: number; violations: number; staleReads: number; failedSeen: number };
  overlaps?: number;
  note?: string;
}

const fmt = (s: number | undefined): string => (s === undefined ? "-" : Number.isNaN(s) ? "none" : s.toFixed(2));

export function stats(samples: readonly number[]): { min?: number; median?: number; max?: number } {
  if (samples.length === 0) return {};
  if (samples.some((s) => Number.isNaN(s))) return { min: Math.min(...samples.filter((s) => !Number.isNaN(s))), median: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

export function summaryTable(rows: readonly SummaryRow[]): string {
  const head = ["scenario", "kills", "figure (s)", "min", "median", "max", "target", "acked/failed/unknown writes", "lost", "violations", "split-brain"];
  const body = rows.map((r) => {
    const s = stats(r.samples);
    const h = r.history;
    return [r.scenario, r.kills, r.figure, fmt(s.min), fmt(s.median), fmt(s.max), r.target, h ? `${h.acknowledged}/${h.failed}/${h.unknown}` : "-", h ? String(h.lost) : "-", h ? String(h.violations) : "-", r.overlaps === undefined ? "-" : String(r.overlaps)];
  });
  const widths = head.map((c, i) => Math.max(c.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.scenario} / ${r.figure}: ${r.note}`);
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line), ...(notes.length ? ["notes:", ...notes] : [])].join("\n");
}
