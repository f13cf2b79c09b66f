/**
 * Kubernetes' AtomicWriter: a volume directory whose files change all at once, so a
 * reader never sees half an update (a token without its CA, or half a token).
 *
 *   <dir>/..2025_01_02_15_04_05.123456789/token   the payload, in a timestamped directory
 *   <dir>/..data -> ..2025_01_02_15_04_05.123456789
 *   <dir>/token  -> ..data/token                   what the container opens
 *
 * An update writes a new timestamped directory, points a temporary `..data_tmp` link at
 * it and renames that over `..data` (rename is atomic), then removes the old directory.
 * A reader resolving `token` gets the old or the new file, never a mix. The links are
 * relative, so they resolve the same when the directory is bind-mounted elsewhere.
 */
import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { removeTree } from "./volume-fs.ts";

/** One file of a volume's payload. */
export interface FileProjection {
  data: Buffer;
  /** Permission bits (0–0777). */
  mode: number;
}

/** Relative path → file. */
export type Payload = ReadonlyMap<string, FileProjection>;

const DATA_LINK = "..data";
const DATA_TMP_LINK = "..data_tmp";

export class PayloadPathError extends Error {
  override name = "PayloadPathError";
}

/**
 * Kubernetes' rules for a payload path: relative, no `..` element, not starting with
 * `..` (the writer's own names start so), no empty elements.
 */
export function validatePayloadPath(p: string): void {
  if (p === "") throw new PayloadPathError("path must not be empty");
  if (p.length > 4096) throw new PayloadPathError(`path ${JSON.stringify(p.slice(0, 40))}… is too long`);
  if (path.isAbsolute(p)) throw new PayloadPathError(`path ${JSON.stringify(p)} must be relative`);
  if (p.startsWith("..")) throw new PayloadPathError(`path ${JSON.stringify(p)} must not start with '..'`);
  for (const part of p.split("/")) {
    if (part === "..") throw new PayloadPathError(`path ${JSON.stringify(p)} must not contain '..'`);
    if (part === "" || part === ".") throw new PayloadPathError(`path ${JSON.stringify(p)} must not contain empty or '.' elements`);
  }
}

/** `..YYYY_MM_DD_HH_MM_SS.<random>`, as Kubernetes names them (UTC here). */
function timestampedName(now: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  const ts = `${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}`;
  return `..${ts}.${randomBytes(5).toString("hex")}`;
}

const isErrno = (err: unknown, code: string): boolean => (err as NodeJS.ErrnoException | undefined)?.code === code;

/** Regular files under `dir` (relative paths); symlinks are not followed. */
async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** Whether the current data directory already holds exactly this payload (contents and modes). */
async function sameAsCurrent(dataDir: string, payload: Payload): Promise<boolean> {
  let files: string[];
  try {
    files = await listFiles(dataDir);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false;
    throw err;
  }
  if (files.length !== payload.size) return false;
  for (const rel of files) {
    const want = payload.get(rel);
    if (!want) return false;
    const file = path.join(dataDir, rel);
    const [st, data] = await Promise.all([lstat(file), readFile(file)]);
    if ((st.mode & 0o777) !== (want.mode & 0o777) || !data.equals(want.data)) return false;
  }
  return true;
}

const topLevel = (rel: string): string => rel.split("/")[0]!;

/**
 * Make `dir` show exactly `payload`, atomically. Returns false when it already did
 * (nothing is written: a periodic resync of an unchanged ConfigMap costs a few reads).
 */
export async function writeAtomic(dir: string, payload: Payload, now = new Date()): Promise<boolean> {
  for (const rel of payload.keys()) validatePayloadPath(rel);
  await mkdir(dir, { recursive: true });
  const current = await readlink(path.join(dir, DATA_LINK)).catch((err: unknown) => {
    if (isErrno(err, "ENOENT")) return undefined;
    throw err;
  });
  const wantVisible = new Set([...payload.keys()].map(topLevel));
  if (current !== undefined && (await sameAsCurrent(path.join(dir, current), payload)) && (await visibleLinksExist(dir, wantVisible))) return false;

  const tsName = timestampedName(now);
  const tsDir = path.join(dir, tsName);
  await mkdir(tsDir, { mode: 0o755 });
  await chmod(tsDir, 0o755); // mkdir's mode is filtered by the umask
  for (const [rel, f] of payload) {
    const file = path.join(tsDir, rel);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, f.data, { mode: f.mode & 0o777 });
    await chmod(file, f.mode & 0o777);
  }
  const tmpLink = path.join(dir, DATA_TMP_LINK);
  await rm(tmpLink, { force: true }); // left by a writer that died between the two steps
  await symlink(tsName, tmpLink);
  await rename(tmpLink, path.join(dir, DATA_LINK));

  for (const name of wantVisible) {
    try {
      await symlink(path.join(DATA_LINK, name), path.join(dir, name));
    } catch (err) {
      if (!isErrno(err, "EEXIST")) throw err;
    }
  }
  await removeStale(dir, tsName, wantVisible);
  return true;
}

async function visibleLinksExist(dir: string, names: ReadonlySet<string>): Promise<boolean> {
  for (const name of names) {
    try {
      if (!(await lstat(path.join(dir, name))).isSymbolicLink()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Remove older timestamped directories (the one just replaced, and any a crash left) and
 * user-visible links whose file is no longer in the payload. Only symlinks are removed
 * among visible names: anything else there was not written by this writer.
 */
async function removeStale(dir: string, keep: string, visible: ReadonlySet<string>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const name = entry.name;
    if (name === DATA_LINK || name === keep) continue;
    if (name.startsWith("..")) {
      if (entry.isDirectory()) await removeTree(path.join(dir, name));
      continue;
    }
    if (entry.isSymbolicLink() && !visible.has(name)) await rm(path.join(dir, name), { force: true });
  }
}
