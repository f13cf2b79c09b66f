/**
 * The split-brain audit: each candidate logs when it began and stopped acting as
 * leader of a component (wall-clock ms; the chaos suite's containers share the host's
 * clock). Two different holders' intervals of one component must never overlap.
 */

export interface LeaderInterval {
  component: string;
  identity: string;
  startMs: number;
  /** Still leading when the audit was taken: open-ended. */
  endMs: number | undefined;
}

/** Every pair of overlapping intervals of different holders, with the overlap in ms. */
export function leaderOverlaps(intervals: readonly LeaderInterval[], nowMs = Date.now()): { a: LeaderInterval; b: LeaderInterval; overlapMs: number }[] {
  const out: { a: LeaderInterval; b: LeaderInterval; overlapMs: number }[] = [];
  const byComponent = new Map<string, LeaderInterval[]>();
  for (const i of intervals) byComponent.set(i.component, [...(byComponent.get(i.component) ?? []), i]);
  for (const list of byComponent.values()) {
    const sorted = [...list].sort((x, y) => x.startMs - y.startMs);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const a = sorted[i]!;
        const b = sorted[j]!;
        if (a.identity === b.identity) continue;
        const overlapMs = Math.min(a.endMs ?? nowMs, b.endMs ?? nowMs) - b.startMs;
        if (overlapMs > 0) out.push({ a, b, overlapMs });
      }
    }
  }
  return out;
}
