/**
 * One line naming what was measured: the tree (others commit while benchmarks run, so
 * a figure without its commit cannot be compared), the runtimes, and the machine.
 */
import { spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { NATS_SERVER_BIN } from "../../test/support/nats.ts";

const ROOT = resolve(import.meta.dirname, "../..");

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "?";
}

export function environmentLine(): string {
  const commit = run("git", ["rev-parse", "--short", "HEAD"]);
  // Changes outside bench/ alter the system under test; bench/ itself does not.
  const dirty = run("git", ["status", "--porcelain", "--", ".", ":!bench"]).split("\n").filter(Boolean).length;
  const nats = /v[\d.]+/.exec(run(NATS_SERVER_BIN, ["--version"]))?.[0] ?? "?";
  const gib = (totalmem() / 2 ** 30).toFixed(0);
  return `${new Date().toISOString().slice(0, 16)}Z  commit ${commit}${dirty ? ` (+${dirty} uncommitted files)` : ""}  node ${process.version}  nats-server ${nats}  ${cpus().length} cores  ${gib} GiB`;
}
