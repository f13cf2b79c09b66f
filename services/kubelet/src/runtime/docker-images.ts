/**
 * Images for the `docker` runtime: pull policies, and the sandbox ("pause") image.
 *
 * Pull policy (Kubernetes' default when unset: Always for `:latest` or untagged
 * references, IfNotPresent otherwise):
 * - Never: the image must already be present (ErrImageNeverPull otherwise).
 * - IfNotPresent: pulled only when missing.
 * - Always: pulled; if the pull fails but a local copy exists, the local copy is used
 *   and a warning logged. Deliberately lenient: nodes may have no registry at all
 *   (images loaded with `docker load`/`docker build`), and refusing to start a container
 *   whose image is right there would make Always unusable on them.
 *
 * The sandbox image (default flotilla/pause:1) has no registry to come from either. When
 * missing it is built through the Engine API (POST /build with a hand-written tar
 * context: no docker CLI needed) from the node's static busybox:
 * FROM scratch, COPY busybox, CMD busybox sleep 2147483647. A dynamically linked busybox
 * would not run in a scratch image, so it is refused up front with a clear error.
 */
import { readFile } from "node:fs/promises";
import type { DockerClient } from "./docker-client.ts";
import { DockerRuntimeError } from "./docker-model.ts";
import { tarPack } from "./docker-stream.ts";

export interface DockerRuntimeLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const DEFAULT_SANDBOX_IMAGE = "flotilla/pause:1";
export const BUSYBOX_PATH = "/bin/busybox";
/** A pull with no registry answering fails fast; one that hangs must not block a pod worker forever. */
const PULL_TIMEOUT_MS = 5 * 60_000;
// Reference grammar, loosely: [registry[:port]/]path[:tag][@digest]; also keeps URL paths safe.
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;

export interface ImageRef {
  /** Repository, as POST /images/create wants it in `fromImage`. */
  repository: string;
  /** Tag or digest (`sha256:…`), as `tag` wants it; undefined when the reference has neither. */
  tag: string | undefined;
}

export function parseImageRef(ref: string): ImageRef {
  if (!IMAGE_REF.test(ref)) throw new DockerRuntimeError("InvalidConfig", `invalid image reference ${JSON.stringify(ref)}`);
  const at = ref.indexOf("@");
  if (at >= 0) return { repository: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(":");
  // A colon before the last "/" belongs to a registry port (localhost:5000/app), not a tag.
  if (colon > ref.lastIndexOf("/")) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref, tag: undefined };
}

/** Kubernetes' default: Always for :latest or no tag, IfNotPresent for a tag or digest. */
export function defaultPullPolicy(ref: string): "Always" | "IfNotPresent" {
  const { tag } = parseImageRef(ref);
  return tag === undefined || tag === "latest" ? "Always" : "IfNotPresent";
}

/** Make `image` usable under `policy`; throws ErrImagePull / ErrImageNeverPull as Kubernetes names them. */
export async function ensureImage(client: DockerClient, image: string, policy: string | undefined, log: DockerRuntimeLog, closed: AbortSignal): Promise<void> {
  const ref = parseImageRef(image);
  const effective = policy || defaultPullPolicy(image);
  switch (effective) {
    case "Never":
      if (await client.imageInspect(image)) return;
      throw new DockerRuntimeError("ErrImageNeverPull", `container image "${image}" is not present with pull policy of Never`);
    case "IfNotPresent":
      if (await client.imageInspect(image)) return;
      await pull(client, image, ref, closed);
      return;
    case "Always":
      try {
        await pull(client, image, ref, closed);
      } catch (err) {
        if (!(await client.imageInspect(image))) throw err;
        log.warn({ image, err: (err as Error).message }, "pull failed (policy Always); using the local copy of the image");
      }
      return;
    default:
      throw new DockerRuntimeError("InvalidConfig", `unknown imagePullPolicy ${JSON.stringify(effective)} (Always, IfNotPresent, Never)`);
  }
}

async function pull(client: DockerClient, image: string, ref: ImageRef, closed: AbortSignal): Promise<void> {
  try {
    await client.imagePull(ref.repository, ref.tag ?? "latest", AbortSignal.any([closed, AbortSignal.timeout(PULL_TIMEOUT_MS)]));
  } catch (err) {
    throw new DockerRuntimeError("ErrImagePull", `failed to pull image "${image}": ${(err as Error).message}`, err);
  }
}

/** Build the sandbox image from the node's static busybox (see the module comment). */
export async function buildSandboxImage(client: DockerClient, tag: string, log: DockerRuntimeLog, busyboxPath = BUSYBOX_PATH): Promise<void> {
  let busybox: Buffer;
  try {
    busybox = await readFile(busyboxPath);
  } catch (err) {
    throw new DockerRuntimeError(
      "SandboxFailed",
      `sandbox image ${tag} is missing and cannot be built: ${busyboxPath} is unreadable (install busybox-static, or provide the image under that tag)`,
      err,
    );
  }
  if (!isStaticElf(busybox)) {
    throw new DockerRuntimeError("SandboxFailed", `sandbox image ${tag} is missing and cannot be built: ${busyboxPath} is not a static executable (install busybox-static)`);
  }
  const dockerfile = [
    "FROM scratch",
    "COPY busybox /bin/busybox",
    "LABEL io.flotilla.role=pause",
    // Only holds the network namespace; it is always removed with SIGKILL (force), so
    // ignoring SIGTERM as PID 1 does not matter.
    'CMD ["/bin/busybox", "sleep", "2147483647"]',
    "",
  ].join("\n");
  const context = tarPack([
    { name: "Dockerfile", data: Buffer.from(dockerfile) },
    { name: "busybox", data: busybox, mode: 0o755 },
  ]);
  log.info({ tag, busyboxPath }, "building the pod sandbox image from busybox");
  try {
    await client.imageBuild(context, tag);
  } catch (err) {
    throw new DockerRuntimeError("SandboxFailed", `could not build sandbox image ${tag}: ${(err as Error).message}`, err);
  }
}

/** True for an ELF executable without a PT_INTERP program header (needs no dynamic loader). */
export function isStaticElf(buf: Buffer): boolean {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) return false;
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const phoff = is64 ? Number(le ? buf.readBigUInt64LE(0x20) : buf.readBigUInt64BE(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > buf.length) return false;
    if (u32(at) === 3) return false; // PT_INTERP
  }
  return true;
}
