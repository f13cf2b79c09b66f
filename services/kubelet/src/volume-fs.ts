/**
 * Careful filesystem steps of the volume manager: deleting a pod's volume tree without
 * ever following a symlink or crossing into a mount, checking a hostPath's type, and
 * resolving a volumeMount's subPath without escaping its volume.
 */
import type { Stats } from "node:fs";
import { lstat, mkdir, readdir, realpath, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

const isErrno = (err: unknown, code: string): boolean => (err as NodeJS.ErrnoException | undefined)?.code === code;

/** A volume could not be set up; the pod waits in ContainerCreating with a FailedMount event. */
export class MountError extends Error {
  override name = "MountError";
  /** The volume's name in the pod spec. */
  readonly volume: string;
  constructor(volume: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.volume = volume;
  }
}

/** A volumeMount cannot be prepared (unknown volume, bad subPath): CreateContainerConfigError, as in Kubernetes. */
export class MountConfigError extends Error {
  override name = "MountConfigError";
}

/**
 * Delete `root` and everything under it. Symlinks are unlinked, never followed (a
 * subPath or a user's link may point at the host's files), and a directory on another
 * device (something mounted there) is left alone and reported, not emptied: that is
 * how a kubelet must never delete through a mount into someone else's data.
 * @returns paths that were left because they are mount points.
 */
export async function removeTree(root: string): Promise<string[]> {
  let top;
  try {
    top = await lstat(root);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return [];
    throw err;
  }
  if (!top.isDirectory()) {
    await unlink(root);
    return [];
  }
  const skipped: string[] = [];
  await removeDir(root, top.dev, skipped);
  return skipped;
}

async function removeDir(dir: string, dev: number, skipped: string[]): Promise<boolean> {
  let clean = true;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if ((await lstat(p)).dev !== dev) {
        skipped.push(p);
        clean = false;
      } else if (!(await removeDir(p, dev, skipped))) clean = false;
    } else {
      await unlink(p).catch((err: unknown) => {
        if (!isErrno(err, "ENOENT")) throw err;
      });
    }
  }
  if (clean) {
    await rmdir(dir).catch((err: unknown) => {
      if (!isErrno(err, "ENOENT")) throw err;
    });
  }
  return clean;
}

/** The hostPath types Kubernetes defines; "" checks nothing. */
export type HostPathType = "" | "DirectoryOrCreate" | "Directory" | "FileOrCreate" | "File" | "Socket" | "CharDevice" | "BlockDevice";

const KIND_CHECKS: Record<string, { what: string; ok: (s: Stats) => boolean }> = {
  Directory: { what: "a directory", ok: (s) => s.isDirectory() },
  File: { what: "a file", ok: (s) => s.isFile() },
  Socket: { what: "a socket", ok: (s) => s.isSocket() },
  CharDevice: { what: "a character device", ok: (s) => s.isCharacterDevice() },
  BlockDevice: { what: "a block device", ok: (s) => s.isBlockDevice() },
};

/**
 * Check (and for the *OrCreate types, create) a hostPath as Kubernetes does:
 * DirectoryOrCreate makes the directory (0755, parents too), FileOrCreate an empty file
 * (0644; its directory must exist). Never changes what is already there.
 */
export async function prepareHostPath(volume: string, hostPath: string, type: string): Promise<void> {
  if (!path.isAbsolute(hostPath)) throw new MountError(volume, `hostPath ${JSON.stringify(hostPath)} must be an absolute path`);
  if (type === "DirectoryOrCreate") {
    await mkdir(hostPath, { recursive: true, mode: 0o755 }).catch((err: unknown) => {
      throw new MountError(volume, `could not create hostPath directory ${hostPath}: ${(err as Error).message}`, { cause: err });
    });
  } else if (type === "FileOrCreate") {
    await writeFile(hostPath, "", { flag: "a", mode: 0o644 }).catch((err: unknown) => {
      throw new MountError(volume, `could not create hostPath file ${hostPath}: ${(err as Error).message}`, { cause: err });
    });
  }
  const check = KIND_CHECKS[type.replace(/OrCreate$/, "")];
  if (type !== "" && !check) throw new MountError(volume, `hostPath type ${JSON.stringify(type)} is not one of DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice`);
  let st;
  try {
    st = await stat(hostPath);
  } catch (err) {
    if (type === "") return; // no type: Kubernetes mounts whatever is (or is not) there
    throw new MountError(volume, `hostPath type check failed: ${hostPath} does not exist`, { cause: err });
  }
  if (check && !check.ok(st)) throw new MountError(volume, `hostPath type check failed: ${hostPath} is not ${check.what}`);
}

const within = (base: string, p: string): boolean => p === base || p.startsWith(base.endsWith("/") ? base : `${base}/`);

/**
 * The host path of `subPath` inside a volume directory, symlinks resolved, refused if
 * it leaves the volume. A missing subPath is created as a directory when `create` (a
 * writable volume, as Kubernetes does), and is an error otherwise.
 */
export async function resolveSubPath(volumeDir: string, subPath: string, create: boolean): Promise<string> {
  if (path.isAbsolute(subPath) || subPath.split("/").includes("..")) throw new MountConfigError(`subPath ${JSON.stringify(subPath)} must be a relative path without '..'`);
  const base = await realpath(volumeDir);
  const wanted = path.join(base, subPath);
  try {
    const real = await realpath(wanted);
    if (!within(base, real)) throw new MountConfigError(`subPath ${JSON.stringify(subPath)} resolves outside its volume`);
    return real;
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err;
  }
  if (!create) throw new MountConfigError(`subPath ${JSON.stringify(subPath)} does not exist in the volume`);
  // Before creating anything, the part that exists must still be inside the volume:
  // a symlink there could otherwise make mkdir create directories anywhere on the host.
  let existing = wanted;
  for (;;) {
    existing = path.dirname(existing);
    const real = await realpath(existing).catch(() => undefined);
    if (real !== undefined) {
      if (!within(base, real)) throw new MountConfigError(`subPath ${JSON.stringify(subPath)} resolves outside its volume`);
      break;
    }
  }
  await mkdir(wanted, { recursive: true, mode: 0o755 });
  const real = await realpath(wanted);
  if (!within(base, real)) throw new MountConfigError(`subPath ${JSON.stringify(subPath)} resolves outside its volume`);
  return real;
}
