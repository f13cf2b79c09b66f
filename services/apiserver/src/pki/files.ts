/**
 * Small file helpers for secrets on disk: writes are atomic (temp file + rename, so a
 * crash never leaves half a key) and create the file with its final mode, so a key is
 * never readable by others even for a moment.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** Owner read/write only: private keys, tokens, kubeconfigs. */
export const SECRET_MODE = 0o600;
/** World-readable: certificates. */
export const PUBLIC_MODE = 0o644;
/** Owner-only directory for the PKI material. */
export const DIR_MODE = 0o700;

/** Write `data` to `path` atomically with the given mode, creating parent directories. */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
  const tmp = join(dirname(path), `.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(tmp, data, { mode, flag: "wx" });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
