/**
 * The image every chaos container runs: `flotilla-test/flotilla:dev`, built here from
 * what is on this machine, because there is no registry to pull a base image from.
 *
 * FROM scratch with
 * - the Node 24 binary this test runs on and the shared libraries `ldd` lists for it;
 * - nats-server (Debian's build: Go, but linked against libc, so it shares the libraries);
 * - Debian's static busybox with a few applets: `/bin/sh` for the process runtime's
 *   wrapper, and tools a test may exec into a container;
 * - the Flotilla bundle (scripts/bundle.ts), made fresh from the sources on every run.
 *
 * A build sends ~130 MB to the daemon and costs seconds, so the inputs are hashed into a
 * label and the build is skipped when the image already carries that label. The bundle
 * is hashed by content; the large binaries by path, size and mtime (hashing Node's
 * 120 MB on every run would cost more than it saves).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bundleServer } from "../../../scripts/bundle.ts";

export const FLOTILLA_IMAGE = "flotilla-test/flotilla:dev";
const INPUTS_LABEL = "flotilla.test.inputs";
const ROOT = path.resolve(import.meta.dirname, "../../..");
export const NATS_SERVER = process.env["FLOTILLA_NATS_SERVER"] ?? path.join(ROOT, ".tools/nats/usr/sbin/nats-server");
const BUSYBOX = "/bin/busybox";

/**
 * Applets linked into /bin. Deliberately absent: `unshare`, `mount` and `nsenter`. With
 * them the process runtime would try volume mounts in a mount namespace, which an
 * unprivileged container may not make, and every pod with a service-account volume
 * would fail to start; without them the kubelet leaves that volume out (process-mounts.ts).
 */
const APPLETS = ["sh", "sleep", "cat", "echo", "ls", "mkdir", "rm", "kill", "ps", "test", "true", "false", "touch", "env", "grep", "nc", "hostname", "ip", "date", "sed", "head", "tail", "wc"];

const DOCKERFILE = `FROM scratch
COPY rootfs/ /
ENV PATH=/usr/bin:/usr/sbin:/bin FLOTILLA_NATS_SERVER=/usr/sbin/nats-server HOME=/root
WORKDIR /
ENTRYPOINT ["/usr/bin/node", "/flotilla/flotilla.mjs"]
`;

/** Shared libraries (absolute paths, as the loader looks them up) that `ldd` lists for a binary. */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync("ldd", [binary], { encoding: "utf8" });
  const libs: string[] = [];
  for (const line of out.split("\n")) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

function statIdentity(file: string): string {
  const real = fs.realpathSync(file);
  const st = fs.statSync(real);
  return `${file} -> ${real} ${st.size} ${st.mtimeMs}`;
}

/**
 * Put `from` (symlinks followed) at `to` in the build context: a hard link where the file
 * system allows (Node is 120 MB), else a copy; either keeps the file's mode, which the
 * builder copies into the image. Never chmod here: a hard link shares the inode, so that
 * would change the machine's own file.
 */
function place(from: string, to: string, executable = false): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const real = fs.realpathSync(from);
  if (executable && (fs.statSync(real).mode & 0o111) === 0) throw new Error(`${real} is not executable`);
  try {
    fs.linkSync(real, to);
  } catch {
    fs.copyFileSync(real, to);
  }
}

/** The image's id and inputs label, or undefined when there is no such image. */
function inspectImage(tag: string): { id: string; inputs: string } | undefined {
  try {
    const out = execFileSync("docker", ["image", "inspect", "--format", `{{.Id}} {{index .Config.Labels "${INPUTS_LABEL}"}}`, tag], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const [id = "", inputs = ""] = out.split(" ");
    return { id, inputs };
  } catch {
    return undefined;
  }
}

function fillRootfs(rootfs: string, bundle: string, node: string, libs: readonly string[]): void {
  place(node, path.join(rootfs, "usr/bin/node"), true);
  place(NATS_SERVER, path.join(rootfs, "usr/sbin/nats-server"), true);
  for (const lib of libs) place(lib, path.join(rootfs, lib));
  place(BUSYBOX, path.join(rootfs, "bin/busybox"), true);
  for (const a of APPLETS) fs.symlinkSync("busybox", path.join(rootfs, "bin", a));
  place(bundle, path.join(rootfs, "flotilla/flotilla.mjs"));
  // os.userInfo() and a shell's `id` read these; HOME must exist for anything that caches.
  fs.mkdirSync(path.join(rootfs, "etc"));
  fs.writeFileSync(path.join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  fs.writeFileSync(path.join(rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  fs.writeFileSync(path.join(rootfs, "etc/os-release"), 'PRETTY_NAME="Flotilla chaos test image"\n');
  for (const dir of ["root", "var/lib/flotilla"]) fs.mkdirSync(path.join(rootfs, dir), { recursive: true });
  fs.mkdirSync(path.join(rootfs, "tmp"));
  fs.chmodSync(path.join(rootfs, "tmp"), 0o1777);
}

export interface BuiltImage {
  tag: string;
  /** Whether this call built it (false: an image with the same inputs was there). */
  built: boolean;
  ms: number;
}

/** Bundle the sources and build the image unless one with the same inputs exists. */
export async function ensureFlotillaImage(tag = FLOTILLA_IMAGE): Promise<BuiltImage> {
  const t0 = performance.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-chaos-image-"));
  try {
    const bundle = path.join(work, "flotilla.mjs");
    await bundleServer(bundle);
    const node = process.execPath;
    const libs = [...new Set([...sharedLibraries(node), ...sharedLibraries(NATS_SERVER)])].sort();
    // This file's own text too: a change to what goes into the image rebuilds it.
    const hash = createHash("sha256")
      .update(fs.readFileSync(import.meta.filename))
      .update(fs.readFileSync(bundle))
      .update([node, NATS_SERVER, BUSYBOX, ...libs].map(statIdentity).join("\n"))
      .digest("hex")
      .slice(0, 16);
    const old = inspectImage(tag);
    if (old?.inputs === hash) return { tag, built: false, ms: performance.now() - t0 };
    const ctx = path.join(work, "ctx");
    fillRootfs(path.join(ctx, "rootfs"), bundle, node, libs);
    fs.writeFileSync(path.join(ctx, "Dockerfile"), DOCKERFILE);
    // The legacy builder: Debian's docker.io has no buildx.
    execFileSync("docker", ["build", "-q", "--label", `${INPUTS_LABEL}=${hash}`, "-t", tag, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "0" }, stdio: ["ignore", "ignore", "pipe"] });
    // The previous build would stay behind untagged, 130 MB each time the sources change.
    if (old) spawnSync("docker", ["image", "rm", old.id], { stdio: "ignore" });
    return { tag, built: true, ms: performance.now() - t0 };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
