/**
 * The probes of one pod's running containers: one ContainerProber per container
 * attempt, created when it starts (or is adopted running) and stopped when it exits. A
 * failed liveness or startup probe kills the container (the restart policy then decides
 * what follows); readiness changes only re-report status.
 */
import type { ContainerObject } from "@flotilla/api";
import type { EventRecorder } from "@flotilla/bus";
import type { Logger } from "@flotilla/log";
import { ContainerProber, type ProbeKind, type ProbeState } from "./probes.ts";
import type { PodRef, Runtime, RuntimeContainer } from "./runtime/types.ts";

export interface PodHealthDeps {
  runtime: Runtime;
  log: Logger;
  events?: EventRecorder | undefined;
  /** Something changed that the pod's status shows (readiness, started). */
  changed(): void;
  /** Grace period for a container killed by its probe, unless the probe sets one. */
  graceMs(): number;
}

const TITLE: Record<ProbeKind, string> = { liveness: "Liveness", readiness: "Readiness", startup: "Startup" };

export class PodHealth {
  private readonly pod: PodRef;
  private readonly deps: PodHealthDeps;
  private readonly probers = new Map<string, { id: string; prober: ContainerProber }>();

  constructor(pod: PodRef, deps: PodHealthDeps) {
    this.pod = pod;
    this.deps = deps;
  }

  /** Probe a running container attempt (no-op if it is already being probed). */
  attach(spec: ContainerObject, c: RuntimeContainer, podIp: string): void {
    const existing = this.probers.get(spec.name);
    if (existing?.id === c.id) return;
    existing?.prober.stop();
    if (!spec.livenessProbe && !spec.readinessProbe && !spec.startupProbe) {
      this.probers.delete(spec.name);
      return;
    }
    const prober = new ContainerProber({
      container: spec,
      target: { podIp, runtime: this.deps.runtime, containerId: c.id, containerPorts: spec.ports ?? [] },
      log: this.deps.log,
      onChange: (kind, state) => this.onChange(spec, c, kind, state),
      // Every failed check is an Unhealthy event, as in Kubernetes; the recorder counts repeats and throttles them.
      onResult: (kind, result) => {
        if (!result.ok) this.deps.events?.record(this.involved(), "Warning", "Unhealthy", `${TITLE[kind]} probe failed: ${result.message}`);
      },
    });
    this.probers.set(spec.name, { id: c.id, prober });
    prober.start();
  }

  /** The container's attempt ended: its probes stop. */
  detach(name: string): void {
    this.probers.get(name)?.prober.stop();
    this.probers.delete(name);
  }

  ready(name: string): boolean {
    return this.probers.get(name)?.prober.ready ?? true;
  }

  started(name: string): boolean {
    return this.probers.get(name)?.prober.started ?? true;
  }

  stopAll(): void {
    for (const { prober } of this.probers.values()) prober.stop();
    this.probers.clear();
  }

  private involved(): { kind: string; name: string; namespace: string; uid: string } {
    return { kind: "Pod", name: this.pod.name, namespace: this.pod.namespace, uid: this.pod.uid };
  }

  private onChange(spec: ContainerObject, c: RuntimeContainer, kind: ProbeKind, state: ProbeState): void {
    const involved = this.involved();
    if (kind !== "readiness" && !state.healthy) {
      const probe = kind === "liveness" ? spec.livenessProbe : spec.startupProbe;
      const graceMs = probe?.terminationGracePeriodSeconds !== undefined ? probe.terminationGracePeriodSeconds * 1000 : this.deps.graceMs();
      this.deps.events?.record(involved, "Normal", "Killing", `Container ${spec.name} failed ${kind} probe, will be restarted`);
      this.deps.log.info({ pod: `${this.pod.namespace}/${this.pod.name}`, container: spec.name, probe: TITLE[kind], message: state.message }, "probe failed; killing the container");
      this.detach(spec.name);
      this.deps.runtime.stopContainer(c.id, graceMs).catch((err: unknown) => this.deps.log.warn({ err }, "could not kill the unhealthy container"));
    }
    this.deps.changed();
  }
}

