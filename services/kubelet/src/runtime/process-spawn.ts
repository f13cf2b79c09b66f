/**
 * Starting, recognising and signalling `process` containers: the wrapper shell and the
 * /proc reads that tell whether a recorded process is still ours.
 *
 * The wrapper is `/bin/sh -c '<script>' flotilla-process <command> <args…>`, spawned
 * detached (setsid: it leads a new session and process group, pgid === pid), so that
 * - a kubelet killed with SIGKILL does not take it along (containers outlive the kubelet);
 * - stopContainer can signal the whole group: the wrapper and the command in it.
 * The script runs the command from its positional args (no quoting issues) and writes
 * its status to the exit file: the shell reports a signal death as 128+signal. The wrapper
 * traps TERM, INT and HUP with a no-op so a group-wide signal cannot kill it before it
 * records the status; trapped (not ignored) signals are reset to default in the command.
 *
 * With volume mounts the wrapper's child runs `unshare … /bin/sh -c <prelude>` first
 * (process-mounts.ts); both exec in place, so the command still ends up as the
 * wrapper's child, and signals reach every step with their default action.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { open, readFile, readdir, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { ProcessRuntimeError, exitPath, logPath } from "./process-store.ts";
import type { AttemptState } from "./process-store.ts";

/** startContainer waits at most this long for the command to be exec'd (see waitForCommand). */
const START_WAIT_MS = 2000;
const START_POLL_MS = 5;

const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
// The exit file path is ours (under rootDir), so embedding it quoted is safe; putting it in
// a shell variable instead could clash with, and leak into, the container's env.
const wrapperScript = (exitFile: string): string => `trap : TERM INT HUP; "$@"; echo $? > ${shellQuote(exitFile)}`;

/**
 * Spawn the wrapper with output appended to output.log; resolves once the command runs
 * (or already ended). Returns the wrapper and its /proc start time. `intermediates`:
 * cmdline prefixes of steps the wrapper's child passes through before the command
 * (see waitForCommand).
 */
export async function spawnWrapper(dir: string, argv: string[], cwd: string, env: Record<string, string>, intermediates: readonly string[] = []): Promise<{ child: ChildProcess; startTime: string }> {
  const logFile = await open(logPath(dir), "a");
  let child: ChildProcess;
  let startTime: string;
  try {
    child = spawn("/bin/sh", ["-c", wrapperScript(exitPath(dir)), "flotilla-process", ...argv], {
      cwd,
      env,
      detached: true,
      stdio: ["ignore", logFile.fd, logFile.fd],
    });
    // Before any await: the event loop could otherwise reap a fast child and take /proc/<pid> with it.
    startTime = child.pid === undefined ? "" : procStartTimeSync(child.pid);
    try {
      await once(child, "spawn");
    } catch (err) {
      throw new ProcessRuntimeError("StartFailed", `could not start ${argv[0]}: ${(err as Error).message}`);
    }
  } finally {
    await logFile.close(); // the child holds its own copy of the descriptor
  }
  child.unref();
  if (child.pid !== undefined) await waitForCommand(child.pid, exitPath(dir), intermediates);
  return { child, startTime };
}

/**
 * Wait until the wrapper's child has exec'd the command (its cmdline is no longer the
 * wrapper's, nor one of the `intermediates`), the wrapper is gone, or START_WAIT_MS passed.
 *
 * Why: a SIGTERM to the group before that moment reaches only the wrapper, whose trap
 * swallows it, and the command then starts without ever seeing it; a stop right after a
 * start would wait out the whole grace period. Once the command runs, a group signal
 * reaches it. Usually a few milliseconds.
 */
async function waitForCommand(pid: number, exitFile: string, intermediates: readonly string[]): Promise<void> {
  const own = await readFile(`/proc/${pid}/cmdline`, "latin1").catch(() => undefined);
  const deadline = Date.now() + START_WAIT_MS;
  while (own !== undefined && Date.now() < deadline) {
    if (await exists(exitFile)) return;
    const children = await childPids(pid);
    if (children === undefined) return;
    for (const c of children) {
      const cmdline = await readFile(`/proc/${c}/cmdline`, "latin1").catch(() => "");
      if (cmdline !== "" && cmdline !== own && !intermediates.some((p) => cmdline.startsWith(p))) return;
    }
    await sleep(START_POLL_MS);
  }
}

/** Children of `pid`; undefined once it is gone. Scans /proc when the kernel lacks task/<pid>/children. */
export async function childPids(pid: number): Promise<number[] | undefined> {
  try {
    return (await readFile(`/proc/${pid}/task/${pid}/children`, "utf8")).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    if (!(await exists(`/proc/${pid}`))) return undefined;
  }
  const out: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    if (text && parseProcStat(text)?.ppid === String(pid)) out.push(Number(entry));
  }
  return out;
}

/** Signal a container's whole process group; a group already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

interface ProcStat {
  state: string;
  ppid: string;
  startTime: string;
}

function parseProcStat(text: string): ProcStat | undefined {
  // Field 2 (comm) is parenthesised and may hold spaces or ')': split after the last ')'.
  // What follows starts at field 3 (state), so ppid (4) is index 1 and starttime (22) index 19.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [state, ppid, startTime] = [rest[0], rest[1], rest[19]];
  return state && ppid && startTime ? { state, ppid, startTime } : undefined;
}

/** Synchronous on purpose: called right after spawn, before the event loop can reap the child. */
function procStartTimeSync(pid: number): string {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"))?.startTime ?? "";
  } catch {
    return "";
  }
}

/** Whether the recorded wrapper still runs: same pid, same start time (not a reused pid), not a zombie. */
export async function isAlive(state: AttemptState): Promise<boolean> {
  const text = await readFile(`/proc/${state.pid}/stat`, "utf8").catch(() => undefined);
  const st = text === undefined ? undefined : parseProcStat(text);
  return st !== undefined && st.startTime === state.pidStartTime && st.state !== "Z" && st.state !== "X";
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
