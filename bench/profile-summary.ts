/**
 * Where a V8 CPU profile spent its time: self time by function and by package, and
 * inclusive time of the functions that matter most. Reads the `.cpuprofile` files that
 * `--cpu-prof` writes (e.g. `node bench/deployment.bench.ts --cpu-prof-dir DIR`).
 *
 *   node bench/profile-summary.ts FILE.cpuprofile [--top 30] [--inclusive] [--callers NAME]
 *
 * --callers NAME: for the functions named NAME, whose code their time was spent for
 * (the nearest caller with another name, then its caller).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values: flags, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "30" }, inclusive: { type: "boolean", default: false }, callers: { type: "string" } } });
const top = Number(flags.top);

/** A package-level bucket: a dependency, one of our libs or services, or Node's own code. */
function bucketOf(url: string): string {
  if (url === "") return "(native / vm)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1] ?? ""}` : (rest[0] ?? url);
  }
  const own = /\/(libs|services)\/([^/]+)\//.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith("node:")) return "node:" + (url.slice(5).split("/")[1] ?? url.slice(5));
  return url;
}

function label(f: CallFrame): string {
  const file = f.url.replace(/^.*\/(node_modules|libs|services)\//, "$1/");
  return `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
}

function summarise(path: string): void {
  const p = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  // Self time from the samples and their deltas (more exact than hitCount × interval).
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
  }
  const totalUs = p.endTime - p.startTime;
  const idleUs = [...byId.values()].filter((n) => n.callFrame.functionName === "(idle)").reduce((s, n) => s + (selfUs.get(n.id) ?? 0), 0);
  const busyUs = totalUs - idleUs;
  process.stdout.write(`${path}\n  wall ${(totalUs / 1e6).toFixed(1)} s, busy ${(busyUs / 1e6).toFixed(1)} s (${((busyUs / totalUs) * 100).toFixed(0)} %)\n`);

  const add = (m: Map<string, number>, k: string, v: number): void => void m.set(k, (m.get(k) ?? 0) + v);
  const byFn = new Map<string, number>();
  const byBucket = new Map<string, number>();
  for (const n of p.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (n.callFrame.functionName === "(idle)") continue;
    add(byFn, label(n.callFrame), us);
    add(byBucket, bucketOf(n.callFrame.url), us);
  }
  const print = (title: string, m: Map<string, number>): void => {
    process.stdout.write(`  ${title}\n`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`    ${((us / busyUs) * 100).toFixed(1).padStart(5)} %  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${k}\n`);
    }
  };
  print("self time by package", byBucket);
  print("self time by function", byFn);

  if (flags.callers) {
    const chains = new Map<string, number>();
    for (const [id, us] of selfUs) {
      // Time spent inside NAME or below it, charged to the two callers above the outermost NAME frame.
      let inside: number | undefined;
      for (let c: number | undefined = id; c !== undefined; c = parentOf.get(c)) if (byId.get(c)?.callFrame.functionName === flags.callers) inside = c;
      if (inside === undefined) continue;
      let cur = parentOf.get(inside);
      const names: string[] = [];
      while (cur !== undefined && names.length < 3) {
        const n = byId.get(cur)!;
        if (n.callFrame.functionName !== flags.callers) names.push(label(n.callFrame));
        cur = parentOf.get(cur);
      }
      add(chains, names.join(" < "), us);
    }
    print(`time in ${flags.callers} (inclusive) by caller chain`, chains);
  }

  if (flags.inclusive) {
    // Inclusive time: a function counted once per sample however deep its recursion.
    const incl = new Map<string, number>();
    for (const [id, us] of selfUs) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
        const node = byId.get(cur);
        if (!node || node.callFrame.functionName === "(idle)" || node.callFrame.functionName === "(root)") continue;
        const k = label(node.callFrame);
        if (seen.has(k)) continue;
        seen.add(k);
        add(incl, k, us);
      }
    }
    print("inclusive time by function", incl);
  }
}

for (const path of positionals) summarise(path);
