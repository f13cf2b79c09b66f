/**
 * `exec` for the `process` runtime: run a command in a container's environment and
 * working directory (both recorded in its state.json).
 *
 * There is no isolation, so "in the container" means env and cwd, and the container's
 * mount namespace when it has volume mounts: the command then runs under `nsenter
 * --mount --target <pid>` and sees the volumes at their mountPaths (process-mounts.ts).
 * The command is a child of the kubelet, not of the container's process group: stopping
 * the container does not end it (the kubelet's exec session, or kill(), does).
 *
 * With `tty` the command runs on a pseudo-terminal that util-linux's `script` allocates
 * (process-pty.ts): one output stream, as with any tty, and `resize` works. Where
 * `script` is missing, stderr is merged into stdout by the shell instead, `resize` is
 * absent, and programs that check isatty() behave as when piped.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { constants } from "node:os";
import { ProcessRuntimeError } from "./process-store.ts";
import type { AttemptState } from "./process-store.ts";
import type { ExecOptions, ExecSession } from "./types.ts";
import { MOUNTS_UNSUPPORTED, nsenterArgv, type MountTools } from "./process-mounts.ts";
import { childPids } from "./process-spawn.ts";
import { findScript, ptyResizer, scriptArgs } from "./process-pty.ts";

interface WarnLog {
  warn(obj: object, msg?: string): void;
}

// `exec "$@"` replaces the shell, so kill() reaches the command itself; a missing command
// is reported the way a shell does (message on stderr, exit code 127).
const PLAIN = 'exec "$@"';
const MERGED = 'exec 2>&1; exec "$@"';
let script: string | null | undefined;

/** The container's mount namespace: nsenter's path and a process inside it. */
export interface MountNamespace {
  nsenter: string;
  pid: number;
}

/** Where an exec into this container must enter; undefined for a container without mounts. */
export async function mountNamespaceOf(id: string, state: AttemptState, tools: MountTools | undefined): Promise<MountNamespace | undefined> {
  if (!state.mountNamespace) return undefined;
  // Adopted from a kubelet that could mount, by one that cannot (started without root).
  if (!tools) throw new ProcessRuntimeError("InvalidConfig", `${id} has volume mounts; entering them: ${MOUNTS_UNSUPPORTED}`);
  // The wrapper stays outside the namespace; its child (the command) is inside.
  const pid = (await childPids(state.pid))?.[0];
  if (pid === undefined) throw new ProcessRuntimeError("NotRunning", `${id} is not running`);
  return { nsenter: tools.nsenter, pid };
}

/** Start `command` in the container's env and cwd (and mount namespace); resolves once it has been spawned. */
export async function startExec(state: AttemptState, command: readonly string[], opts: ExecOptions, log: WarnLog, ns?: MountNamespace): Promise<ExecSession> {
  if (command.length === 0) throw new ProcessRuntimeError("InvalidConfig", "exec needs a command");
  if (opts.tty && script === undefined) script = findScript() ?? null;
  const pty = opts.tty && script !== null;
  // In a namespace the working directory may exist only there: nsenterArgv changes to it inside.
  const argv = ns ? nsenterArgv(ns, ns.pid, state.cwd, command) : command;
  const cwd = ns ? "/" : state.cwd;
  // `script` runs the command through $SHELL: pinned to sh, whatever the kubelet's is.
  const child = pty
    ? spawn(script!, scriptArgs(argv, opts.size), { cwd, env: { ...state.env, SHELL: "/bin/sh" }, stdio: ["pipe", "pipe", "ignore"] })
    : spawn("/bin/sh", ["-c", opts.tty ? MERGED : PLAIN, "flotilla-exec", ...argv], {
        cwd,
        env: state.env,
        stdio: [opts.stdin ? "pipe" : "ignore", "pipe", opts.tty ? "ignore" : "pipe"],
      });
  const exit = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
  try {
    await once(child, "spawn");
  } catch (err) {
    throw new ProcessRuntimeError("StartFailed", `exec could not start in ${state.cwd}: ${(err as Error).message}`);
  }
  // Later errors (e.g. kill on a gone process) must not crash the kubelet.
  child.on("error", (err) => log.warn({ err, pid: child.pid }, "exec child error"));
  // Writing to stdin after the command exited raises EPIPE on the stream; without a
  // listener that would be an uncaught 'error' event.
  child.stdin?.on("error", () => undefined);
  const { stdin, stdout, stderr } = child;
  if (!stdout) throw new ProcessRuntimeError("StartFailed", "exec has no stdout pipe"); // cannot happen: stdio[1] is "pipe"
  // Without -i the terminal still needs an input side (script ends at its EOF only after the command).
  if (pty && !opts.stdin) stdin?.end();
  return {
    stdin: opts.stdin ? (stdin ?? undefined) : undefined,
    stdout,
    stderr: stderr ?? undefined,
    exit,
    ...(pty && child.pid !== undefined ? { resize: ptyResizer(child.pid, (err) => log.warn({ err }, "could not resize the exec terminal")) } : {}),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
