/**
 * A terminal for `exec -t` on the process runtime without a native pty library:
 * util-linux's `script` (in Debian's essential bsdutils, so on every Debian and Raspberry
 * Pi OS machine) allocates a pseudo-terminal, runs the command on it as a session
 * leader, and relays the terminal through its own stdin and stdout, which are pipes to
 * the kubelet. Programs see a real tty: isatty() is true, `tty` names a /dev/pts device,
 * the line discipline echoes input and turns "\n" into "\r\n", as in a container's tty.
 *
 * Resizing sets the terminal's size with `stty -F <pts>`; the kernel then sends SIGWINCH
 * to the terminal's foreground process group, as for any terminal. The pts is found
 * through /proc once `script` has started the command.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, readFileSync, readlinkSync } from "node:fs";
import { delimiter, join } from "node:path";

/** `script`'s path, or undefined where it is not installed (exec -t then falls back to pipes). */
export function findScript(path = process.env["PATH"] ?? "/usr/bin:/bin"): string | undefined {
  for (const dir of path.split(delimiter)) {
    const file = join(dir, "script");
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** One word for `sh -c`: single-quoted, embedded single quotes closed, escaped and reopened. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A terminal dimension as stty takes it: a whole number, never negative. */
const cells = (n: number): number => Math.max(0, Math.floor(n));

/**
 * `script` arguments that run `command` (an argv, never re-split) on a new pty; with
 * `size`, the pty gets that size before the command starts (a later resize could lose
 * the race against a shell that asks for its size at once).
 */
export function scriptArgs(command: readonly string[], size?: { cols: number; rows: number }): string[] {
  const sized = size ? `stty cols ${cells(size.cols)} rows ${cells(size.rows)} 2>/dev/null; ` : "";
  // -q no banner, -f flush at once, -e the command's exit code, -c the command; no typescript file.
  return ["-qfec", `${sized}exec ${command.map(shellQuote).join(" ")}`, "/dev/null"];
}

/** The pts of the command `script` (pid) runs on, once it has started; undefined before. */
export function ptyOf(scriptPid: number): string | undefined {
  try {
    const children = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    for (const child of children) {
      const tty = readlinkSync(`/proc/${child}/fd/0`);
      if (tty.startsWith("/dev/pts/")) return tty;
    }
  } catch {
    // gone, or not started yet
  }
  return undefined;
}

const RESIZE_RETRY_MS = 20;
const RESIZE_RETRIES = 100;

/**
 * Applies terminal sizes to the pty of `script` (pid). kubectl sends the first size as
 * soon as it connects, usually before `script` has started the command, so a size that
 * finds no pty yet is retried for up to 2 s; only the latest size is kept.
 */
export function ptyResizer(scriptPid: number, onError: (err: Error) => void): (cols: number, rows: number) => void {
  let wanted: { cols: number; rows: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let tries = 0;
  const apply = (): void => {
    timer = undefined;
    if (!wanted) return;
    const pts = ptyOf(scriptPid);
    if (!pts) {
      if (++tries < RESIZE_RETRIES) timer = setTimeout(apply, RESIZE_RETRY_MS);
      return;
    }
    const { cols, rows } = wanted;
    wanted = undefined;
    execFile("stty", ["-F", pts, "cols", String(cols), "rows", String(rows)], (err) => {
      if (err) onError(err);
    });
  };
  return (cols, rows) => {
    wanted = { cols: cells(cols), rows: cells(rows) };
    tries = 0;
    if (!timer) apply();
  };
}
