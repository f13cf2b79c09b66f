/**
 * The apiserver's write path for one pod, in process and without NATS: the ReplicaSet
 * controller's create, the scheduler's binding and Scheduled event, the kubelet's
 * status merge patch, each through ApiService against an in-memory store and cache;
 * then the second status patch's steps one by one (patch, decode, prepare, validate,
 * managedFields, no-op check). Prints µs per operation: wall-clock time for the write
 * path, CPU time for the steps.
 *
 *   node bench/write-path.bench.ts [--pods 300] [--rounds 9] [--against HEAD] [--part flow|steps] [--only recordUpdate]
 *
 * `--against <git ref>` loads that commit's libs/ and services/ as a second copy
 * (extracted once under the temp dir; or give a directory holding such a copy) and
 * runs both alternately, round by round, so the machine's load changes both figures
 * alike: compare the two columns of one run, not figures across runs.
 */
import { execFileSync, execSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type * as ApiModule from "@flotilla/api";
import type { KubeObject, ResourceInfo } from "@flotilla/api";
import type * as BindingModule from "../services/apiserver/src/registry/binding.ts";
import type * as PatchingModule from "../services/apiserver/src/registry/patching.ts";
import type * as ServiceModule from "../services/apiserver/src/registry/service.ts";
import type * as StrategyModule from "../services/apiserver/src/registry/strategy.ts";
import type * as SelectorsModule from "../services/apiserver/src/storage/selectors.ts";
import { objectKey } from "@flotilla/store";
import { environmentLine } from "./lib/env.ts";
import { benchPod } from "./lib/pod.ts";
import { table } from "./lib/stats.ts";

const ROOT = resolve(import.meta.dirname, "..");
// --part flow|steps: one of the two tables; --only <step>: one step in a loop (the
// last two are for profiling: node --cpu-prof bench/write-path.bench.ts --part flow).
const { values: flags } = parseArgs({ options: { pods: { type: "string", default: "300" }, rounds: { type: "string", default: "9" }, against: { type: "string" }, part: { type: "string" }, only: { type: "string" } } });
const PODS = Number(flags.pods);
const ROUNDS = Number(flags.rounds);

type Api = typeof ApiModule;
type Service = typeof ServiceModule;
type Patching = typeof PatchingModule;
type Binding = typeof BindingModule;
type Strategy = typeof StrategyModule;
type Selectors = typeof SelectorsModule;

/** One copy of the code under test. */
interface Impl {
  name: string;
  api: Api;
  service: Service;
  patching: Patching;
  binding: Binding;
  strategy: Strategy;
  selectors: Selectors;
}

async function load(name: string, dir: string): Promise<Impl> {
  const at = (p: string) => pathToFileURL(join(dir, p)).href;
  return {
    name,
    api: (await import(at("libs/api/src/index.ts"))) as Api,
    service: (await import(at("services/apiserver/src/registry/service.ts"))) as Service,
    patching: (await import(at("services/apiserver/src/registry/patching.ts"))) as Patching,
    binding: (await import(at("services/apiserver/src/registry/binding.ts"))) as Binding,
    strategy: (await import(at("services/apiserver/src/registry/strategy.ts"))) as Strategy,
    selectors: (await import(at("services/apiserver/src/storage/selectors.ts"))) as Selectors,
  };
}

/**
 * `ref`'s libs/ and services/ in a directory of their own, with a node_modules whose
 * `@flotilla/*` links point into that copy and everything else at this checkout's
 * packages: importing from it runs the old code against the same dependencies.
 */
function baselineDir(ref: string): string {
  // A directory holding a copy of libs/ and services/ (e.g. the tree before a change) is used as it is.
  const given = existsSync(join(ref, "libs")) ? resolve(ref) : undefined;
  const sha = given ? "" : execFileSync("git", ["rev-parse", ref], { cwd: ROOT, encoding: "utf8" }).trim();
  const dir = given ?? join(tmpdir(), `flotilla-baseline-${sha.slice(0, 12)}`);
  if (existsSync(join(dir, ".ready"))) return dir;
  mkdirSync(join(dir, "node_modules", "@flotilla"), { recursive: true });
  if (!given) execSync(`git archive ${sha} libs services package.json | tar -x -C ${JSON.stringify(dir)}`, { cwd: ROOT });
  const modules = join(ROOT, "node_modules");
  for (const name of readdirSync(modules)) {
    if (name !== "@flotilla") symlinkSync(join(modules, name), join(dir, "node_modules", name));
  }
  // The workspace links are relative (../../libs/api), so the same text points into the copy.
  for (const name of readdirSync(join(modules, "@flotilla"))) {
    symlinkSync(readlinkSync(join(modules, "@flotilla", name)), join(dir, "node_modules", "@flotilla", name));
  }
  writeFileSync(join(dir, ".ready"), `${sha || ref}\n`);
  return dir;
}

/**
 * The store and watch cache as the write path uses them. Writes are kept as given;
 * `deliver()` (untimed) hands them to the cache as the apiserver's store does with
 * shareWrittenValues: the written object itself, its resourceVersion on a top-level copy.
 */
class MemoryBackend {
  revision = 1;
  readonly values = new Map<string, { value: unknown; revision: number }>();
  readonly cached = new Map<string, KubeObject>();
  private pending: string[] = [];

  readonly store = {
    create: async (key: string, value: unknown): Promise<number> => {
      if (this.values.has(key)) throw new Error(`${key} exists`);
      return this.put(key, value);
    },
    update: async (key: string, value: unknown, revision: number): Promise<number> => {
      if (this.values.get(key)?.revision !== revision) throw new Error(`${key}: revision mismatch`);
      return this.put(key, value);
    },
    get: async (key: string) => {
      const e = this.values.get(key);
      return e && { key, revision: e.revision, value: JSON.parse(JSON.stringify(e.value)) as unknown };
    },
  };

  readonly cache = { get: (_resource: string, key: string): KubeObject | undefined => this.cached.get(key) };

  private put(key: string, value: unknown): number {
    this.values.set(key, { value, revision: ++this.revision });
    this.pending.push(key);
    return this.revision;
  }

  deliver(): void {
    for (const key of this.pending) {
      const e = this.values.get(key)!;
      const obj = e.value as KubeObject;
      this.cached.set(key, { ...obj, metadata: { ...obj.metadata, resourceVersion: String(e.revision) } });
    }
    this.pending = [];
  }
}

const NOW = "2026-11-22T10:00:00Z";

/**
 * The status a kubelet reports (as pod-status.ts builds it): first with the container
 * being created, then running and ready.
 */
function kubeletStatus(pod: KubeObject, i: number, running: boolean): Record<string, unknown> {
  const ip = `10.42.${i >> 8}.${i & 255}`;
  const scheduled = ((pod["status"] as { conditions?: unknown[] }).conditions ?? []).slice(0, 1);
  const cond = (type: string, ok: boolean) => ({ type, status: ok ? "True" : "False", lastTransitionTime: NOW, ...(ok ? {} : { reason: "ContainersNotReady", message: "containers with unready status: [web]" }) });
  const state = running ? { running: { startedAt: NOW } } : { waiting: { reason: "ContainerCreating" } };
  return {
    phase: running ? "Running" : "Pending",
    conditions: [...scheduled, cond("Initialized", true), cond("ContainersReady", running), cond("Ready", running)],
    hostIP: "192.168.1.20",
    hostIPs: [{ ip: "192.168.1.20" }],
    startTime: NOW,
    containerStatuses: [{ name: "web", state, lastState: {}, ready: running, restartCount: 0, image: "registry.example.com/acme/web:1.27.3", imageID: "", started: running, ...(running ? { containerID: `hollow://${pod.metadata.uid}/web` } : {}) }],
    qosClass: "Burstable",
    podIP: ip,
    podIPs: [{ ip }],
  };
}

function scheduledEvent(pod: KubeObject): unknown {
  const m = pod.metadata;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${m.name}.18a2b3c4d5e6f7a8`, namespace: "default" },
    involvedObject: { kind: "Pod", namespace: "default", name: m.name, uid: m.uid, apiVersion: "v1" },
    reason: "Scheduled",
    message: `Successfully assigned default/${m.name} to hollow-17`,
    source: { component: "default-scheduler" },
    firstTimestamp: NOW,
    lastTimestamp: NOW,
    count: 1,
    type: "Normal",
    reportingComponent: "default-scheduler",
  };
}

/** One implementation's service over a fresh backend that already holds the namespace and its account. */
function serviceFor(impl: Impl): { svc: InstanceType<Service["ApiService"]>; backend: MemoryBackend } {
  const backend = new MemoryBackend();
  backend.cached.set(objectKey("namespaces", undefined, "default"), { apiVersion: "v1", kind: "Namespace", metadata: { name: "default", uid: "ns-uid", resourceVersion: "1" }, spec: {}, status: { phase: "Active" } });
  backend.cached.set(objectKey("serviceaccounts", "default", "default"), { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "default", uid: "sa-uid", resourceVersion: "1" } });
  const svc = new impl.service.ApiService(backend.store as never, backend.cache as never, {} as never);
  return { svc, backend };
}

const info = (impl: Impl, resource: string): ResourceInfo => impl.api.resourceInfo("", resource)!;

type Phase = "create pod" | "bind" | "create event" | "status patch (new)" | "status patch (ready)";
const PHASES: Phase[] = ["create pod", "bind", "create event", "status patch (new)", "status patch (ready)"];
/** Pods per turn: implementations take turns this often, so a burst of load elsewhere hits both. */
const BATCH = 20;

/** The operation of each phase for pod `name` (the i-th of the round). */
function operations(impl: Impl, svc: InstanceType<Service["ApiService"]>, backend: MemoryBackend): Record<Phase, (name: string, i: number) => Promise<unknown>> {
  const pods = info(impl, "pods");
  const current = (name: string) => backend.cached.get(objectKey("pods", "default", name))!;
  const statusPatch = (running: boolean) => (name: string, i: number) => {
    const pod = current(name);
    const body = { metadata: { uid: pod.metadata.uid }, status: kubeletStatus(pod, i, running) };
    return impl.patching.patchObject(svc, pods, "default", name, impl.patching.PatchType.Merge, body, { fieldManager: "kubelet", subresource: "status" });
  };
  return {
    "create pod": (name) => svc.create(pods, "default", benchPod(name), { fieldManager: "kube-controller-manager" }),
    "bind": (name) => impl.binding.bindPod(svc, pods, "default", name, { apiVersion: "v1", kind: "Binding", metadata: { name }, target: { kind: "Node", name: "hollow-17" } }, { fieldManager: "kube-scheduler" }),
    "create event": (name) => svc.create(info(impl, "events"), "default", scheduledEvent(current(name)), { fieldManager: "kube-scheduler" }),
    "status patch (new)": statusPatch(false),
    "status patch (ready)": statusPatch(true),
  };
}

/**
 * One round of the write path for PODS pods, every implementation on a backend of its
 * own, taking turns every BATCH pods; µs per operation of each phase, per implementation.
 */
async function writePathRound(impls: readonly Impl[], round: number): Promise<Record<Phase, number>[]> {
  const sides = impls.map((impl) => {
    const { svc, backend } = serviceFor(impl);
    return { backend, ops: operations(impl, svc, backend), out: {} as Record<Phase, number> };
  });
  const names = Array.from({ length: PODS }, (_, i) => `web-${round}-${i}`);
  for (const phase of PHASES) {
    const spent = sides.map(() => 0);
    for (let from = 0; from < names.length; from += BATCH) {
      for (const k of (from / BATCH) % 2 === 0 ? sides.keys() : [...sides.keys()].reverse()) {
        const op = sides[k]!.ops[phase];
        const t0 = performance.now();
        for (let i = from; i < Math.min(from + BATCH, names.length); i++) await op(names[i]!, i);
        spent[k]! += performance.now() - t0;
      }
    }
    sides.forEach((side, k) => {
      side.out[phase] = (spent[k]! * 1000) / names.length;
      side.backend.deliver();
    });
  }
  return sides.map((side) => side.out);
}

/** Inputs of the status patch's steps, captured from one run of the write path. */
interface StatusInputs {
  current: KubeObject;
  patch: { metadata: { uid: string | undefined }; status: Record<string, unknown> };
  patched: KubeObject;
  prepared: KubeObject;
  written: KubeObject;
}

async function statusInputs(impl: Impl): Promise<StatusInputs> {
  const { svc, backend } = serviceFor(impl);
  const pods = info(impl, "pods");
  await svc.create(pods, "default", benchPod("web-0"), { fieldManager: "kube-controller-manager" });
  backend.deliver();
  await impl.binding.bindPod(svc, pods, "default", "web-0", { target: { name: "hollow-17" } }, { fieldManager: "kube-scheduler" });
  backend.deliver();
  const key = objectKey("pods", "default", "web-0");
  const first = backend.cached.get(key)!;
  await impl.patching.patchObject(svc, pods, "default", "web-0", impl.patching.PatchType.Merge, { metadata: { uid: first.metadata.uid }, status: kubeletStatus(first, 7, false) }, { fieldManager: "kubelet", subresource: "status" });
  backend.deliver();
  // The kubelet's second write: its own entry exists, the condition times and states change.
  const current = backend.cached.get(key)!;
  const patch = { metadata: { uid: current.metadata.uid }, status: kubeletStatus(current, 7, true) };
  const patched = mergeStatus(impl, current, patch);
  const decoded = impl.api.decodeObject(pods, statusView(impl, patched, current), { strict: false }).object;
  impl.api.applyDefaults(pods, decoded);
  const prepared = impl.strategy.prepareForUpdate(pods, current, decoded, "status");
  const written = recordStatus(impl, current, prepared);
  return { current, patch, patched, prepared, written };
}

// The status write's steps as each implementation has them (older ones copy the whole
// pod in the patch and decode all of it).
function mergeStatus(impl: Impl, current: KubeObject, patch: unknown): KubeObject {
  return (impl.api.applyMergePatchSharing ?? impl.api.applyMergePatch)(current, patch) as KubeObject;
}

function statusView(impl: Impl, patched: KubeObject, current: KubeObject): unknown {
  return impl.service.statusView ? impl.service.statusView(patched, current) : structuredClone(patched);
}

function recordStatus(impl: Impl, old: KubeObject, next: KubeObject): KubeObject {
  return impl.api.recordUpdate({ old, next, manager: "kubelet", kind: { group: "", kind: "Pod" }, now: NOW, subresource: "status" });
}

/** The status patch's steps, each on the inputs that implementation's pipeline produced. */
function steps(impl: Impl, s: StatusInputs): Record<string, () => unknown> {
  const pods = info(impl, "pods");
  const kubeletWatch = { labels: impl.selectors.parseLabelSelector(undefined), fields: impl.selectors.parseFieldSelector("spec.nodeName=hollow-17", "pods") };
  return {
    "applyMergePatch": () => mergeStatus(impl, s.current, s.patch),
    "decodeObject": () => impl.api.decodeObject(pods, impl.service.statusView ? impl.service.statusView(s.patched, s.current) : s.patched, { strict: false }),
    "prepareForUpdate": () => impl.strategy.prepareForUpdate(pods, s.current, s.patched, "status"),
    "validateObject": () => impl.api.validateObject(pods, s.prepared, s.current),
    "recordUpdate": () => recordStatus(impl, s.current, s.prepared),
    "sameObject": () => impl.strategy.sameObject(s.current, s.written),
    "cloneJson": () => impl.api.cloneJson(s.current),
    // What each pod event costs per kubelet watch it is offered to.
    "matchesFilter": () => impl.selectors.matchesFilter(kubeletWatch, s.written),
  };
}

/**
 * CPU time of this thread, in ms. Others run tests on the same cores: wall-clock time
 * would count the time this process waited for a core; its CPU time does not. Linux
 * brings it up to date only every scheduler tick (a few ms), so it suits the steps'
 * 50 ms samples but not the write path's batches, which take wall-clock time.
 */
function cpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

/** µs of CPU per call of `fn`, over enough calls to take about `budgetMs`. */
function perCall(fn: () => unknown, budgetMs = 50): number {
  let n = 0;
  const t0 = cpuMs();
  let t = t0;
  while (t - t0 < budgetMs) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    t = cpuMs();
  }
  return ((t - t0) * 1000) / n;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Medians, and the best round: other load only ever adds time, so the best is the steadiest figure. */
function report(title: string, impls: readonly Impl[], samples: Map<string, number[][]>): void {
  const headers = [title, ...impls.flatMap((i) => [`${i.name} µs`, "best"]), ...(impls.length === 2 ? ["new/old"] : [])];
  const rows = [...samples].map(([name, perImpl]) => {
    const m = perImpl.map(median);
    return [name, ...perImpl.flatMap((xs, k) => [m[k]!.toFixed(1), Math.min(...xs).toFixed(1)]), ...(m.length === 2 ? [(m[0]! / m[1]!).toFixed(2)] : [])];
  });
  process.stdout.write(`\n${table(headers, rows)}\n`);
}

async function main(): Promise<void> {
  process.stdout.write(`${environmentLine()}\n`);
  const impls = [await load("current", ROOT)];
  if (flags.against) impls.push(await load(flags.against, baselineDir(flags.against)));
  process.stdout.write(`${PODS} pods per round, ${ROUNDS} rounds, medians; ${impls.length === 2 ? "implementations alternate within each round" : "one implementation"}\n`);

  if (flags.part !== "steps") {
    const flow = new Map<string, number[][]>(PHASES.map((p) => [p, impls.map(() => [])]));
    await writePathRound(impls, -1); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      const res = await writePathRound(impls, r);
      res.forEach((perPhase, k) => PHASES.forEach((p) => flow.get(p)![k]!.push(perPhase[p])));
    }
    report("write path (ApiService)", impls, flow);
  }
  if (flags.part === "flow") return;

  // Each implementation's steps run on the inputs its own pipeline produces (one shares
  // more of the old object than another, which is part of what it costs).
  const inputs = await Promise.all(impls.map(statusInputs));
  const bytes = (v: unknown) => JSON.stringify(v).length;
  const cur = inputs[0]!.current;
  process.stdout.write(`\nthe pod before its status patch: ${bytes(cur)} bytes of JSON (${bytes(cur.metadata.managedFields)} of them managedFields); the patch: ${bytes(inputs[0]!.patch)}\n`);
  const perImpl = impls.map((impl, k) => steps(impl, inputs[k]!));
  const names = Object.keys(perImpl[0]!);
  const parts = new Map<string, number[][]>(names.map((n) => [n, impls.map(() => [])]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of names) {
      for (const k of r % 2 === 0 ? impls.keys() : [...impls.keys()].reverse()) parts.get(name)![k]!.push(perCall(perImpl[k]![name]!));
    }
  }
  report("status patch steps", impls, parts);
}

if (flags.only) {
  // One step in a loop, for a CPU profile of it alone (node --cpu-prof ...).
  const impl = await load("current", ROOT);
  const fn = steps(impl, await statusInputs(impl))[flags.only];
  if (!fn) throw new Error(`--only: no step ${flags.only}`);
  for (let i = 0; i < 20; i++) perCall(fn, 100);
  process.stdout.write(`${flags.only}: ${perCall(fn, 2000).toFixed(2)} µs\n`);
} else await main();
