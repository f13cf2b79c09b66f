/**
 * The hollow runtime (as kwok's fake nodes): every container "runs" at once and forever,
 * nothing is started. A hollow kubelet exercises everything else — registration,
 * heartbeats, the scheduler's bindings, status writes — so one process can stand in for
 * a thousand nodes in scale tests. Commands that exit can be simulated: a container
 * whose command is `["false"]` exits with 1, `["true"]` with 0.
 */
import { Readable } from "node:stream";
import type { ContainerConfig, ExecSession, PodRef, Runtime, RuntimeContainer, SandboxInfo } from "./types.ts";

function now(): string {
  return new Date().toISOString();
}

export class HollowRuntime implements Runtime {
  readonly name = "process" as const;
  /** Nothing runs, so nothing is mounted; hollow kubelets set up no volumes at all. */
  readonly supportsMounts = false;
  private readonly containers = new Map<string, RuntimeContainer>();
  private readonly listeners: ((c: RuntimeContainer) => void)[] = [];
  private readonly ip: string;

  constructor(ip: string) {
    this.ip = ip;
  }

  runPodSandbox(): Promise<SandboxInfo> {
    return Promise.resolve({ ip: this.ip });
  }

  removePodSandbox(pod: PodRef): Promise<void> {
    for (const [id, c] of this.containers) if (c.pod.uid === pod.uid) this.containers.delete(id);
    return Promise.resolve();
  }

  startContainer(pod: PodRef, config: ContainerConfig, attempt: number): Promise<RuntimeContainer> {
    const id = `process://${pod.uid}/${config.name}/${attempt}`;
    const c: RuntimeContainer = { id, pod, containerName: config.name, attempt, status: { state: "running", startedAt: now() } };
    this.containers.set(id, c);
    const cmd = config.command[0];
    if (cmd === "true" || cmd === "false") {
      const exitCode = cmd === "true" ? 0 : 1;
      setTimeout(() => this.exit(id, exitCode), 10).unref();
    }
    return Promise.resolve(c);
  }

  private exit(id: string, exitCode: number): void {
    const c = this.containers.get(id);
    if (!c || c.status.state !== "running") return;
    const done: RuntimeContainer = { ...c, status: { state: "exited", startedAt: c.status.startedAt, finishedAt: now(), exitCode, reason: exitCode === 0 ? "Completed" : "Error" } };
    this.containers.set(id, done);
    for (const l of this.listeners) l(done);
  }

  stopContainer(id: string): Promise<void> {
    this.exit(id, 137);
    return Promise.resolve();
  }

  removeContainer(id: string): Promise<void> {
    this.containers.delete(id);
    return Promise.resolve();
  }

  listContainers(): Promise<RuntimeContainer[]> {
    return Promise.resolve([...this.containers.values()]);
  }

  onExit(listener: (c: RuntimeContainer) => void): void {
    this.listeners.push(listener);
  }

  logs(): Promise<Readable> {
    return Promise.resolve(Readable.from([Buffer.from("hollow node: no logs\n")]));
  }

  exec(): Promise<ExecSession> {
    return Promise.resolve({ stdout: Readable.from([Buffer.from("hollow node: nothing runs here\n")]), exit: Promise.resolve(0), kill: () => undefined });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
