/**
 * Volume mounts for `process` containers. A process pod runs on the host's filesystem,
 * so a volume can only appear at its mountPath (an absolute path such as
 * /var/run/secrets/kubernetes.io/serviceaccount) without touching the host's view in a
 * private mount namespace: the command runs under
 *
 *   unshare --mount --propagation slave /bin/sh -c '<prelude>' flotilla-mounts <command…>
 *
 * and the prelude bind-mounts each volume (`mount --rbind`, then a read-only remount
 * where asked), changes to the working directory and `exec`s the command. The mounts
 * exist only in that namespace; the kubelet, the host and other pods do not see them,
 * and they vanish with the container's last process. `kubectl exec` enters the same
 * namespace with `nsenter --mount --target <pid>` (process-exec.ts).
 *
 * Propagation is `slave`, not `private`: nothing mounted in the namespace reaches the
 * host either way, but with `slave` the host's own later mounts and unmounts still reach
 * the pod. A long-running pod then does not pin a disk the host unmounts (with `private`
 * the pod would keep its copy of the mount, and the device, busy until it exits).
 *
 * The filesystem itself is shared, so a mount point that does not exist is created on
 * the host (mkdir -p, or an empty file for a file mount) and stays there, empty, after
 * the container ends: e.g. an empty /var/run/secrets/kubernetes.io/serviceaccount. That
 * is accepted; what is mounted on it is never visible outside the namespace.
 *
 * This needs root (CAP_SYS_ADMIN) and util-linux's unshare, mount and nsenter. Without
 * them a container with mounts fails to start with a clear message rather than running
 * without its volumes: a program reading a file that silently is not there fails later
 * and more confusingly. (The pod worker leaves out the service-account volume it did not
 * ask for on such a node; see PodWorker.)
 */
import { accessSync, constants } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { ProcessRuntimeError } from "./process-store.ts";
import type { ContainerConfig } from "./types.ts";

type Mount = NonNullable<ContainerConfig["mounts"]>[number];

/** The util-linux programs mounts need, as absolute paths (a container's PATH must not matter). */
export interface MountTools {
  unshare: string;
  mount: string;
  mkdir: string;
  nsenter: string;
}

export const MOUNTS_UNSUPPORTED = "volume mounts on the process runtime need root and util-linux unshare, mount and nsenter";

const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function which(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The tools, or undefined when this process cannot make mount namespaces (not root, or a tool missing). */
export function findMountTools(searchPath = `${process.env["PATH"] ?? ""}${path.delimiter}${SYSTEM_PATH}`): MountTools | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const unshare = which("unshare", searchPath);
  const mount = which("mount", searchPath);
  const mkdir = which("mkdir", searchPath);
  const nsenter = which("nsenter", searchPath);
  return unshare && mount && mkdir && nsenter ? { unshare, mount, mkdir, nsenter } : undefined;
}

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** How to spawn a container whose command runs in a mount namespace. */
export interface MountLaunch {
  /** What the wrapper runs in place of the command. */
  argv: string[];
  /** Where the wrapper starts (the working directory may exist only inside the namespace). */
  spawnCwd: string;
  /** Cmdline prefixes (NUL-separated, as in /proc/<pid>/cmdline) of the steps before the command is exec'd. */
  intermediates: string[];
}

/** Parents before children, so a mount inside another volume lands on top of it. */
const byDepth = (a: Mount, b: Mount): number => a.containerPath.split("/").length - b.containerPath.split("/").length || a.containerPath.localeCompare(b.containerPath);

/**
 * The prelude script. All binds come before the read-only remounts, so a mount point
 * inside a read-only volume can still be created. A failure writes its message to
 * `errorFile` (startContainer reports it) and to the container's log, and exits 126.
 */
export function preludeScript(tools: MountTools, mounts: readonly (Mount & { file: boolean })[], cwd: string, errorFile: string): string {
  const lines = [
    `fail() { printf '%s\\n' "$1" > ${q(errorFile)}; printf 'flotilla: %s\\n' "$1" >&2; exit 126; }`,
    `bind() { if [ ! -e "$2" ]; then if [ -n "$3" ]; then ${q(tools.mkdir)} -p "$3" && : > "$2"; else ${q(tools.mkdir)} -p "$2"; fi || fail "could not create the mount point $2"; fi; ` +
      `out=$(${q(tools.mount)} --rbind "$1" "$2" 2>&1) || fail "could not mount $1 on $2: $out"; }`,
    `ro() { out=$(${q(tools.mount)} -o remount,bind,ro "$1" 2>&1) || fail "could not make $1 read-only: $out"; }`,
  ];
  const sorted = [...mounts].sort(byDepth);
  for (const m of sorted) lines.push(`bind ${q(m.hostPath)} ${q(m.containerPath)} ${q(m.file ? path.dirname(m.containerPath) : "")}`);
  for (const m of sorted) if (m.readOnly) lines.push(`ro ${q(m.containerPath)}`);
  lines.push(`cd ${q(cwd)} 2>/dev/null || fail ${q(`workingDir ${cwd} is not a directory`)}`);
  lines.push('exec "$@"');
  return lines.join("\n");
}

/** Check the mounts and build the launch. Throws ProcessRuntimeError for a mount that cannot work. */
export async function mountLaunch(tools: MountTools, mounts: readonly Mount[], argv: readonly string[], cwd: string, spawnCwd: string, errorFile: string): Promise<MountLaunch> {
  const checked: (Mount & { file: boolean })[] = [];
  for (const m of mounts) {
    if (!path.isAbsolute(m.containerPath) || !path.isAbsolute(m.hostPath)) throw new ProcessRuntimeError("InvalidConfig", `mount ${m.hostPath} → ${m.containerPath}: both paths must be absolute`);
    const st = await stat(m.hostPath).catch(() => undefined);
    if (!st) throw new ProcessRuntimeError("InvalidConfig", `mount source ${m.hostPath} does not exist`);
    checked.push({ ...m, containerPath: path.normalize(m.containerPath), file: !st.isDirectory() });
  }
  const script = preludeScript(tools, checked, cwd, errorFile);
  const shell = ["/bin/sh", "-c", script];
  const unshare = [tools.unshare, "--mount", "--propagation", "slave", ...shell];
  // /proc/<pid>/cmdline is read as latin1 (one char per byte): spell the prefixes the same way.
  const cmdline = (parts: string[]): string => Buffer.from(`${parts.join("\0")}\0`, "utf8").toString("latin1");
  return { argv: [...unshare, "flotilla-mounts", ...argv], spawnCwd, intermediates: [cmdline(unshare), cmdline(shell)] };
}

/** The argv that runs `command` in the mount namespace of `pid`, in `cwd` as seen inside it. */
export function nsenterArgv(tools: Pick<MountTools, "nsenter">, pid: number, cwd: string, command: readonly string[]): string[] {
  // cd inside the namespace: nsenter's --wd=<dir> would open the directory on the host's side.
  return [tools.nsenter, "--mount", "--target", String(pid), "/bin/sh", "-c", 'cd "$1" || exit 126; shift; exec "$@"', "flotilla-exec", cwd, ...command];
}
