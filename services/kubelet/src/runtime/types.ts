/**
 * The kubelet's container runtime interface (a small CRI): what the pod workers ask of
 * a runtime, implemented by `docker` (Docker Engine API) and `process` (supervised
 * child processes). Runtimes know nothing of the API server; they run what they are
 * told and report what they have, including after a kubelet restart (list()).
 */
import type { Readable, Writable } from "node:stream";

export type RuntimeName = "docker" | "process";

/** The failures every runtime reports the same way; each runtime's error code adds its own. */
export type RuntimeErrorCode = "InvalidConfig" | "InvalidId" | "NotFound" | "AlreadyExists" | "NotRunning" | "StillRunning" | "StartFailed" | "StopFailed";

/** The pod a sandbox and its containers belong to. */
export interface PodRef {
  uid: string;
  namespace: string;
  name: string;
}

/** What a container runs, already resolved by the kubelet (env values looked up). */
export interface ContainerConfig {
  name: string;
  /** Image reference (docker); ignored by the process runtime. */
  image: string;
  /** Kubernetes `command` (entrypoint override); the process runtime requires command or args. */
  command: readonly string[];
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  workingDir?: string;
  /** "Always" | "IfNotPresent" | "Never" (docker only). */
  imagePullPolicy?: string;
  tty?: boolean;
  stdin?: boolean;
  /** Limits the runtime enforces when it can (docker: memory and CPU). */
  limits?: { memoryBytes?: number; milliCpu?: number };
  /**
   * Host files and directories to show at absolute paths inside the container (pod
   * volumes). docker: bind mounts; process: bind mounts in a private mount namespace
   * (root only, see process-mounts.ts).
   */
  mounts?: readonly { hostPath: string; containerPath: string; readOnly: boolean }[];
}

export interface SandboxInfo {
  /** The pod's IP as the runtime gives it (process runtime: the node's IP). */
  ip: string;
}

export type ContainerState =
  | { state: "running"; startedAt: string }
  | { state: "exited"; startedAt: string; finishedAt: string; exitCode: number; reason: string; signal?: string }
  | { state: "created" };

/** One container as the runtime sees it. */
export interface RuntimeContainer {
  /** Runtime-unique id. */
  id: string;
  pod: PodRef;
  containerName: string;
  /** 0 for the first start, then +1 per restart: Kubernetes' restartCount. */
  attempt: number;
  status: ContainerState;
}

export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines. */
  tailLines?: number;
  /** Prefix each line with its RFC 3339 time, when the runtime knows it. */
  timestamps?: boolean;
  /** Only lines newer than this many seconds. */
  sinceSeconds?: number;
  /** Max bytes returned (applied after tailLines). */
  limitBytes?: number;
  signal?: AbortSignal;
}

export interface ExecOptions {
  stdin: boolean;
  tty: boolean;
  /** With tty: the terminal's size from the start, so the command never sees a 0×0 terminal. */
  size?: { cols: number; rows: number };
}

/** A running exec: its streams and its exit code. */
export interface ExecSession {
  stdin?: Writable;
  stdout: Readable;
  /** Absent with a tty (stderr is merged into stdout). */
  stderr?: Readable;
  /** Resolves with the exit code once the command ends. */
  exit: Promise<number>;
  resize?(cols: number, rows: number): void;
  kill(): void;
}

export interface Runtime {
  readonly name: RuntimeName;
  /** Whether ContainerConfig.mounts can be honoured; a runtime that cannot refuses a config with mounts. */
  readonly supportsMounts: boolean;
  /** Prepare the pod's shared environment (docker: a pause container owning the network). */
  runPodSandbox(pod: PodRef): Promise<SandboxInfo>;
  /** Stop every container of the pod (gracefully) and remove the sandbox and its files. */
  removePodSandbox(pod: PodRef, gracePeriodMs: number): Promise<void>;
  /** Create and start one container; `attempt` is its restart count. */
  startContainer(pod: PodRef, config: ContainerConfig, attempt: number): Promise<RuntimeContainer>;
  /** SIGTERM, wait up to gracePeriodMs, then SIGKILL. Resolves once it has exited. */
  stopContainer(id: string, gracePeriodMs: number): Promise<void>;
  /** Forget an exited container (its logs go with it). */
  removeContainer(id: string): Promise<void>;
  /** Every container this runtime manages on this node, running or exited, across kubelet restarts. */
  listContainers(): Promise<RuntimeContainer[]>;
  /** Called whenever a container exits (so the kubelet need not poll). */
  onExit(listener: (c: RuntimeContainer) => void): void;
  logs(id: string, opts: LogOptions): Promise<Readable>;
  exec(id: string, command: readonly string[], opts: ExecOptions): Promise<ExecSession>;
  close(): Promise<void>;
}
