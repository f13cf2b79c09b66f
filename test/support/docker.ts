/**
 * Docker for tests: whether a daemon, busybox and the CLI are here (else the reason the
 * docker tests skip), and the busybox test image, built locally (there is no registry):
 * FROM scratch, Debian's static busybox, applet symlinks; the CLI's legacy builder
 * (Debian's docker.io has no buildx).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compareVersions } from "../../services/kubelet/src/runtime/docker-client.ts";

export const BUSYBOX_IMAGE = "flotilla-test/busybox:1";
const APPLETS = ["sh", "sleep", "echo", "cat", "true", "false", "ls", "nc", "httpd", "wget", "mkdir", "pwd", "stty", "test", "rm", "touch"];

function runs(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Why docker tests cannot run here, or undefined when they can. */
export function dockerSkipReason(): string | undefined {
  if (!runs("docker", ["--version"])) return "the docker CLI is missing (make docker installs docker.io)";
  if (!runs("docker", ["version"])) return "no Docker daemon answers (make docker starts dockerd)";
  if (!fs.existsSync("/bin/busybox")) return "/bin/busybox is missing (apt-get install busybox-static)";
  return undefined;
}

/** Whether the daemon speaks at least this Engine API version (e.g. "1.42", Docker 23). */
export function dockerApiAtLeast(version: string): boolean {
  const r = spawnSync("docker", ["version", "--format", "{{.Server.APIVersion}}"], { encoding: "utf8" });
  return r.status === 0 && compareVersions(r.stdout.trim(), version) >= 0;
}

export function buildBusyboxImage(tag = BUSYBOX_IMAGE): void {
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-busybox-"));
  try {
    fs.mkdirSync(path.join(ctx, "bin"));
    fs.copyFileSync("/bin/busybox", path.join(ctx, "bin/busybox"));
    fs.chmodSync(path.join(ctx, "bin/busybox"), 0o755);
    for (const a of APPLETS) fs.symlinkSync("busybox", path.join(ctx, "bin", a));
    fs.writeFileSync(path.join(ctx, "Dockerfile"), "FROM scratch\nCOPY bin/ /bin/\nENV PATH=/bin\n");
    execFileSync("docker", ["build", "-q", "-t", tag, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "0" }, stdio: "ignore" });
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
}
