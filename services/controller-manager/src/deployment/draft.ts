/**
 * The ReplicaSet writes of one planning pass, gathered before they become actions. Each
 * decision reads the sizes and annotations earlier decisions of the same pass left, so a
 * pass can annotate the new ReplicaSet and then scale it; the result is one action per
 * ReplicaSet, in the order they were first changed.
 */
import type { DeploymentAction } from "./actions.ts";
import { stateOf, specReplicas } from "./replicasets.ts";
import { withReplicasAnnotations } from "./revisions.ts";
import { deploymentFenceposts } from "./rollout.ts";
import { canonicalJson } from "./template.ts";
import { desiredReplicas } from "./types.ts";
import type { DeploymentLike, NewReplicaSetLike, ReplicaSetLike, ReplicaSetState } from "./types.ts";

interface Entry {
  /** The cached ReplicaSet, or the one this pass creates. */
  readonly rs: ReplicaSetLike;
  /** Set when this pass creates the ReplicaSet: the object to create. */
  readonly created: NewReplicaSetLike | undefined;
  replicas: number;
  annotations: Record<string, string>;
  /** The spec.minReadySeconds to write, when it must change. */
  minReadySeconds: number | undefined;
}

function sameAnnotations(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The planned writes of one pass; see the module comment. Owned by one pass, never shared. */
export class Draft {
  private readonly entries = new Map<string, Entry>();
  private readonly order: string[] = [];
  private readonly desired: number;
  private readonly maxReplicas: number;
  private readonly nowMs: number;

  /** @param rss the Deployment's ReplicaSets as cached, oldest first. */
  constructor(d: DeploymentLike, rss: readonly ReplicaSetLike[], nowMs: number) {
    this.desired = desiredReplicas(d);
    this.maxReplicas = this.desired + deploymentFenceposts(d).maxSurge;
    this.nowMs = nowMs;
    for (const rs of rss) {
      const annotations = { ...(rs.metadata?.annotations ?? {}) };
      this.entries.set(rs.metadata?.name ?? "", { rs, created: undefined, replicas: specReplicas(rs), annotations, minReadySeconds: undefined });
    }
  }

  /** Whether a ReplicaSet of this name exists (cached or planned). */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (e === undefined) throw new Error(`deployment plan: no ReplicaSet ${JSON.stringify(name)} in this pass`);
    return e;
  }

  private touch(name: string): void {
    if (!this.order.includes(name)) this.order.push(name);
  }

  /** The ReplicaSet as planned so far. */
  state(name: string): ReplicaSetState {
    const e = this.entry(name);
    const cached = stateOf(e.rs);
    return { ...cached, replicas: e.replicas, annotations: e.annotations, createdMs: e.created !== undefined ? this.nowMs : cached.createdMs };
  }

  /** Every ReplicaSet as planned so far: the cached ones oldest first, then any created. */
  states(): ReplicaSetState[] {
    return [...this.entries.keys()].map((name) => this.state(name));
  }

  /** Plan creating this ReplicaSet (its spec.replicas and annotations may still change in this pass). */
  create(rs: NewReplicaSetLike): void {
    const name = rs.metadata.name ?? "";
    this.entries.set(name, { rs, created: rs, replicas: specReplicas(rs), annotations: { ...(rs.metadata?.annotations ?? {}) }, minReadySeconds: undefined });
    this.touch(name);
  }

  /** Plan these annotations (a complete map) and, when given, spec.minReadySeconds. */
  annotate(name: string, annotations: Record<string, string>, minReadySeconds?: number): void {
    const e = this.entry(name);
    const changed = !sameAnnotations(e.annotations, annotations) || minReadySeconds !== undefined;
    if (!changed) return;
    e.annotations = { ...annotations };
    if (minReadySeconds !== undefined) e.minReadySeconds = minReadySeconds;
    this.touch(name);
  }

  /**
   * Plan a new size; the desired-replicas/max-replicas annotations follow it. A size that
   * stays writes nothing, unless `annotateUnchanged` and those annotations are stale.
   */
  scale(name: string, replicas: number, annotateUnchanged = false): void {
    const e = this.entry(name);
    const annotations = withReplicasAnnotations(e.annotations, this.desired, this.maxReplicas);
    const resize = e.replicas !== replicas;
    if (!resize && !(annotateUnchanged && !sameAnnotations(annotations, e.annotations))) return;
    e.replicas = replicas;
    e.annotations = annotations;
    this.touch(name);
  }

  /** The sum of spec.replicas after this pass's writes. */
  plannedTotal(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.replicas;
    return n;
  }

  /** Names of the ReplicaSets this pass writes. */
  touchedNames(): Set<string> {
    return new Set(this.order);
  }

  /** The ReplicaSets as cached, plus any this pass creates (with no status yet). */
  objects(): ReplicaSetLike[] {
    return [...this.entries.values()].map((e) => e.rs);
  }

  /** One action per changed ReplicaSet, in the order they were first changed. */
  actions(): DeploymentAction[] {
    const out: DeploymentAction[] = [];
    for (const name of this.order) {
      const e = this.entry(name);
      if (e.created !== undefined) {
        const rs = structuredClone(e.created);
        out.push({ type: "createReplicaSet", rs: { ...rs, metadata: { ...rs.metadata, annotations: { ...e.annotations } }, spec: { ...rs.spec, replicas: e.replicas } } });
        continue;
      }
      const ref = { name, uid: e.rs.metadata?.uid, resourceVersion: e.rs.metadata?.resourceVersion };
      const extra = e.minReadySeconds !== undefined ? { minReadySeconds: e.minReadySeconds } : {};
      const from = specReplicas(e.rs);
      if (e.replicas !== from) {
        out.push({ type: "scaleReplicaSet", ...ref, from, replicas: e.replicas, annotations: { ...e.annotations }, ...extra });
      } else if (!sameAnnotations(e.annotations, e.rs.metadata?.annotations ?? {}) || e.minReadySeconds !== undefined) {
        out.push({ type: "updateReplicaSetAnnotations", ...ref, annotations: { ...e.annotations }, ...extra });
      }
    }
    return out;
  }
}
