/**
 * Evidence for a history violation: the operations on the key around the ones the
 * checker names (with the master each went through), interleaved with what the test
 * did to the cluster meanwhile, on one clock (performance.now(), ms).
 */
import type { Violation } from "@flotilla/history";
import type { TracedOp } from "../../support/cas-workload.ts";

/** Something the test did: "disconnect m1", "kill m2", "start m2". */
export interface ChaosEvent {
  atMs: number;
  what: string;
}

const MARGIN_MS = 3000;

function describeOp(op: TracedOp, via: readonly string[]): string {
  const span = `${op.invokeMs.toFixed(0)}–${op.completeMs.toFixed(0)}`;
  const rev = op.revision === undefined ? "" : ` rev ${op.revision}`;
  if (op.kind === "write") return `${span} write ${op.id} via ${via[op.via] ?? op.via} from ${op.from ?? "create"}: ${op.outcome}${rev}`;
  return `${span} read${op.final ? " (final)" : ""} via ${via[op.via] ?? op.via}: ${op.outcome}${rev}${op.writer ? ` (by ${op.writer})` : ""}`;
}

/** The ops the violation's message names (by write id or revision). */
function named(v: Violation, ops: readonly TracedOp[]): TracedOp[] {
  const ids = new Set(v.message.match(/c\d+-\d+/g) ?? []);
  const revs = new Set((v.message.match(/revision (\d+)/g) ?? []).map((m) => Number(m.slice("revision ".length))));
  return ops.filter((op) => op.key === v.key && ((op.kind === "write" && ids.has(op.id)) || (op.revision !== undefined && revs.has(op.revision))));
}

/** One block of text per violation. `via` names the targets in the workload's order. */
export function explainViolations(violations: readonly Violation[], ops: readonly TracedOp[], events: readonly ChaosEvent[], via: readonly string[]): string {
  return violations
    .map((v) => {
      const hits = named(v, ops);
      if (hits.length === 0) return `${v.key} ${v.rule}: ${v.message}\n  (no operation named in the message found)`;
      const from = Math.min(...hits.map((o) => o.invokeMs)) - MARGIN_MS;
      const to = Math.max(...hits.map((o) => o.completeMs)) + MARGIN_MS;
      const lines = [
        ...ops.filter((o) => o.key === v.key && o.completeMs >= from && o.invokeMs <= to).map((o) => ({ at: o.invokeMs, text: `${hits.includes(o) ? "* " : "  "}${describeOp(o, via)}` })),
        ...events.filter((e) => e.atMs >= from && e.atMs <= to).map((e) => ({ at: e.atMs, text: `# ${e.atMs.toFixed(0)} ${e.what}` })),
      ].sort((a, b) => a.at - b.at);
      return `${v.key} ${v.rule}: ${v.message}\n${lines.map((l) => `    ${l.text}`).join("\n")}`;
    })
    .join("\n");
}
