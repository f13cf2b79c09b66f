/**
 * How the `docker` runtime names, labels and identifies what it creates, and how a
 * Docker inspect document becomes a RuntimeContainer. Labels are the runtime's only
 * memory: a restarted kubelet finds every sandbox and container again by them.
 *
 *   name    k8s_<container>_<pod>_<namespace>_<uid>_<attempt>   (sandbox: k8s_POD_<pod>_<namespace>_<uid>_0)
 *   labels  io.flotilla.pod.{uid,name,namespace}, io.flotilla.container.{name,attempt},
 *           io.flotilla.role=sandbox|container
 *   id      docker://<64-hex Docker container id>, the form Kubernetes shows as containerID
 */
import type { ContainerInspect } from "./docker-client.ts";
import type { ContainerState, PodRef, RuntimeContainer, RuntimeErrorCode } from "./types.ts";

export type DockerRuntimeErrorCode =
  | RuntimeErrorCode
  | "CreateFailed"
  | "DaemonUnavailable"
  | "SandboxFailed"
  /** The runtime was closed while waiting for something. */
  | "Closed"
  /** Kubernetes' waiting reasons, so the kubelet can show them as they are. */
  | "ErrImagePull"
  | "ErrImageNeverPull";

/** Every error the docker runtime throws on purpose; `code` says which case, `cause` holds the DockerError. */
export class DockerRuntimeError extends Error {
  readonly code: DockerRuntimeErrorCode;
  constructor(code: DockerRuntimeErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "DockerRuntimeError";
    this.code = code;
  }
}

export const LABEL = {
  podUid: "io.flotilla.pod.uid",
  podName: "io.flotilla.pod.name",
  podNamespace: "io.flotilla.pod.namespace",
  containerName: "io.flotilla.container.name",
  attempt: "io.flotilla.container.attempt",
  role: "io.flotilla.role",
} as const;

export type Role = "sandbox" | "container";

export const roleFilter = (role: Role): string => `${LABEL.role}=${role}`;
export const podFilter = (uid: string): string => `${LABEL.podUid}=${uid}`;

const ID_PREFIX = "docker://";
const DOCKER_ID = /^[0-9a-f]{64}$/;
// Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*; no "_" here so the name splits back unambiguously.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;

export const toRuntimeId = (dockerId: string): string => `${ID_PREFIX}${dockerId}`;

/** The Docker id inside `docker://<id>`; anything else is InvalidId (ids come from API callers and become URL paths). */
export function parseRuntimeId(id: string): string {
  const raw = id.startsWith(ID_PREFIX) ? id.slice(ID_PREFIX.length) : "";
  if (!DOCKER_ID.test(raw)) throw new DockerRuntimeError("InvalidId", `not a docker runtime container id: ${JSON.stringify(id)}`);
  return raw;
}

export function checkSegment(value: string, what: string): void {
  if (!SEGMENT.test(value)) throw new DockerRuntimeError("InvalidConfig", `${what} ${JSON.stringify(value)} cannot be part of a Docker container name`);
}

export function checkPod(pod: PodRef): void {
  checkSegment(pod.uid, "pod uid");
  checkSegment(pod.name, "pod name");
  checkSegment(pod.namespace, "pod namespace");
}

export const containerName = (pod: PodRef, name: string, attempt: number): string => `k8s_${name}_${pod.name}_${pod.namespace}_${pod.uid}_${attempt}`;
export const sandboxName = (pod: PodRef): string => `k8s_POD_${pod.name}_${pod.namespace}_${pod.uid}_0`;

export function labelsFor(pod: PodRef, role: Role, container?: { name: string; attempt: number }): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.podUid]: pod.uid,
    [LABEL.podName]: pod.name,
    [LABEL.podNamespace]: pod.namespace,
    [LABEL.role]: role,
  };
  if (container) {
    labels[LABEL.containerName] = container.name;
    labels[LABEL.attempt] = String(container.attempt);
  }
  return labels;
}

/** The role label, or undefined for a container this runtime did not make. */
export function roleOf(labels: Record<string, string> | null | undefined): Role | undefined {
  const r = labels?.[LABEL.role];
  return r === "sandbox" || r === "container" ? r : undefined;
}

/** A RuntimeContainer from an inspect document; undefined if it is not one of our (non-sandbox) containers. */
export function toRuntimeContainer(c: ContainerInspect): RuntimeContainer | undefined {
  const labels = c.Config.Labels ?? {};
  if (roleOf(labels) !== "container") return undefined;
  const uid = labels[LABEL.podUid];
  const name = labels[LABEL.containerName];
  const attempt = Number(labels[LABEL.attempt]);
  if (!uid || !name || !Number.isSafeInteger(attempt)) return undefined;
  return {
    id: toRuntimeId(c.Id),
    pod: { uid, name: labels[LABEL.podName] ?? "", namespace: labels[LABEL.podNamespace] ?? "" },
    containerName: name,
    attempt,
    status: statusOf(c),
  };
}

/** Docker's state in the interface's terms: paused and restarting still run; dead and removing have ended. */
export function statusOf(c: ContainerInspect): ContainerState {
  const s = c.State;
  if (s.Running || s.Status === "running" || s.Status === "paused" || s.Status === "restarting") return { state: "running", startedAt: isoTime(s.StartedAt) };
  if (s.Status === "created") return { state: "created" };
  const reason = s.OOMKilled ? "OOMKilled" : s.ExitCode === 0 ? "Completed" : "Error";
  const finishedAt = isoTime(s.FinishedAt);
  // Docker stamps StartedAt once its start call completes, which a command that exits at
  // once can outlast: the process really started no later than it finished.
  const startedAt = minTime(isoTime(s.StartedAt), finishedAt);
  return { state: "exited", startedAt, finishedAt, exitCode: s.ExitCode, reason };
}

/** The pod IP: the sandbox's address on the default bridge ("" when it has none, e.g. network "none"). */
export function sandboxIp(c: ContainerInspect): string {
  const nets = c.NetworkSettings.Networks ?? {};
  // NetworkSettings.IPAddress is deprecated from API 1.44; Networks.<name> is the lasting place.
  const fromNets = nets.bridge?.IPAddress || Object.values(nets).find((n) => n.IPAddress)?.IPAddress;
  return fromNets || c.NetworkSettings.IPAddress || "";
}

function minTime(a: string, b: string): string {
  return Date.parse(b) < Date.parse(a) ? b : a;
}

/** Docker's RFC 3339 nanosecond times as the millisecond ISO strings the rest of the kubelet uses. */
export function isoTime(t: string): string {
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? t : new Date(ms).toISOString();
}
