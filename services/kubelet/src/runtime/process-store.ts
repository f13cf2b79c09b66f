/**
 * On-disk records of the `process` runtime. The directory tree is the runtime's only
 * memory, so that a restarted kubelet finds what the previous one started:
 *
 *   <rootDir>/pods/<podUid>/pod.json                                namespace, name, uid
 *   <rootDir>/pods/<podUid>/containers/<name>/<attempt>/state.json  what was started (AttemptState)
 *   <rootDir>/pods/<podUid>/containers/<name>/<attempt>/output.log  stdout + stderr, appended
 *   <rootDir>/pods/<podUid>/containers/<name>/<attempt>/exit        exit status, written by the wrapper shell
 *   <rootDir>/pods/<podUid>/containers/<name>/<attempt>/start-error why the mount prelude failed (process-mounts.ts)
 *
 * Container ids are `process://<podUid>/<name>/<attempt>`: the attempt directory spelled
 * as a URL, in the `<runtime>://<id>` shape Kubernetes shows as a container's containerID.
 */
import { mkdir, readFile, readdir, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ContainerState, PodRef, RuntimeContainer, RuntimeErrorCode } from "./types.ts";

export type ProcessRuntimeErrorCode = RuntimeErrorCode;

/** Every error the process runtime throws on purpose; `code` says which case it is. */
export class ProcessRuntimeError extends Error {
  readonly code: ProcessRuntimeErrorCode;
  constructor(code: ProcessRuntimeErrorCode, message: string) {
    super(message);
    this.name = "ProcessRuntimeError";
    this.code = code;
  }
}

/** What state.json records about one started attempt. */
export interface AttemptState {
  pod: PodRef;
  containerName: string;
  attempt: number;
  /** The wrapper shell's pid; it leads the process group (pgid === pid). */
  pid: number;
  /** Field 22 of /proc/<pid>/stat when started ("" if already gone): tells our process from a reused pid. */
  pidStartTime: string;
  startedAt: string;
  argv: string[];
  /** Kept for exec, which runs in the container's environment. */
  env: Record<string, string>;
  /** The working directory as the command sees it (inside its mount namespace, if any). */
  cwd: string;
  /** The command runs in its own mount namespace (it has volume mounts): exec enters it. */
  mountNamespace?: boolean;
}

/** The parts of a container id; also the attempt directory's path segments. */
export interface AttemptRef {
  podUid: string;
  name: string;
  attempt: number;
}

const ID_PREFIX = "process://";
// One path segment, never "." or "..": ids come from API callers and become paths.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export const isSafeSegment = (s: string): boolean => SEGMENT.test(s);

export const containerId = (ref: AttemptRef): string => `${ID_PREFIX}${ref.podUid}/${ref.name}/${ref.attempt}`;

export function parseContainerId(id: string): AttemptRef {
  const parts = id.startsWith(ID_PREFIX) ? id.slice(ID_PREFIX.length).split("/") : [];
  const [podUid, name, attempt] = parts;
  if (parts.length !== 3 || !podUid || !name || !attempt || !isSafeSegment(podUid) || !isSafeSegment(name) || !/^\d+$/.test(attempt)) {
    throw new ProcessRuntimeError("InvalidId", `not a process runtime container id: ${JSON.stringify(id)}`);
  }
  return { podUid, name, attempt: Number(attempt) };
}

/** Paths of the tree, in one place. */
export class Layout {
  readonly podsDir: string;
  constructor(rootDir: string) {
    this.podsDir = path.join(rootDir, "pods");
  }
  podDir(podUid: string): string {
    return path.join(this.podsDir, podUid);
  }
  containersDir(podUid: string): string {
    return path.join(this.podDir(podUid), "containers");
  }
  attemptDir(ref: AttemptRef): string {
    return path.join(this.containersDir(ref.podUid), ref.name, String(ref.attempt));
  }
}

export const statePath = (dir: string): string => path.join(dir, "state.json");
export const logPath = (dir: string): string => path.join(dir, "output.log");
export const exitPath = (dir: string): string => path.join(dir, "exit");
export const startErrorPath = (dir: string): string => path.join(dir, "start-error");

const isErrno = (err: unknown, code: string): boolean => (err as NodeJS.ErrnoException | undefined)?.code === code;

/** Write a file whole or not at all (rename is atomic), so a crash never leaves half a JSON. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + "\n");
  await rename(tmp, file);
}

export async function writePodRecord(layout: Layout, pod: PodRef): Promise<void> {
  await mkdir(layout.containersDir(pod.uid), { recursive: true });
  await writeJsonAtomic(path.join(layout.podDir(pod.uid), "pod.json"), { namespace: pod.namespace, name: pod.name, uid: pod.uid });
}

export async function readPodRecord(layout: Layout, podUid: string): Promise<PodRef | undefined> {
  const raw = await readJson(path.join(layout.podDir(podUid), "pod.json"));
  if (!raw || typeof raw.namespace !== "string" || typeof raw.name !== "string") return undefined;
  return { uid: podUid, namespace: raw.namespace, name: raw.name };
}

/** state.json of an attempt; undefined when the attempt was never started (or the file is unreadable). */
export async function readState(dir: string): Promise<AttemptState | undefined> {
  const raw = await readJson(statePath(dir));
  if (!raw || typeof raw.pid !== "number" || typeof raw.pidStartTime !== "string" || typeof raw.cwd !== "string") return undefined;
  return raw as unknown as AttemptState;
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(file, "utf8"));
    return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch (err) {
    if (isErrno(err, "ENOENT") || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** The exit status and its time (the exit file's mtime), once the wrapper or the runtime wrote one. */
export async function readExit(dir: string): Promise<{ exitCode: number; finishedAt: string } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(exitPath(dir), "utf8"), stat(exitPath(dir))]);
    const code = Number.parseInt(text.trim(), 10);
    // A torn or garbled file means the status is unknown: 255, as for a missing one.
    return { exitCode: Number.isInteger(code) && code >= 0 ? code : 255, finishedAt: st.mtime.toISOString() };
  } catch (err) {
    if (isErrno(err, "ENOENT")) return undefined;
    throw err;
  }
}

/** Record an exit status the wrapper could not write; never overwrites one it did write. */
export async function recordExit(dir: string, exitCode: number): Promise<void> {
  try {
    await writeFile(exitPath(dir), `${exitCode}\n`, { flag: "wx" });
  } catch (err) {
    if (!isErrno(err, "EEXIST")) throw err;
  }
}

export function toContainer(state: AttemptState, status: ContainerState): RuntimeContainer {
  const ref = { podUid: state.pod.uid, name: state.containerName, attempt: state.attempt };
  return { id: containerId(ref), pod: state.pod, containerName: state.containerName, attempt: state.attempt, status };
}

export function exitedStatus(state: AttemptState, exit: { exitCode: number; finishedAt: string }): ContainerState {
  const reason = exit.exitCode === 0 ? "Completed" : "Error";
  return { state: "exited", startedAt: state.startedAt, finishedAt: exit.finishedAt, exitCode: exit.exitCode, reason };
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** A directory's entries; none when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return [];
    throw err;
  }
}
