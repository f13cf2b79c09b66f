/** The admin bearer token: 256 random bits, made once and kept beside the PKI. */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DIR_MODE, SECRET_MODE } from "./files.ts";

/** File name of the admin token inside the directory. */
export const ADMIN_TOKEN_FILE = "admin.token";

const TOKEN_BYTES = 32;

/**
 * The admin token stored in `dir`, created (base64url, mode 0600) on first call.
 * Creation is exclusive, so two processes starting together agree on one token.
 */
export async function ensureAdminToken(dir: string): Promise<string> {
  const path = join(dir, ADMIN_TOKEN_FILE);
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const token = randomBytes(TOKEN_BYTES).toString("base64url");
  try {
    await writeFile(path, `${token}\n`, { mode: SECRET_MODE, flag: "wx" });
    return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const existing = (await readFile(path, "utf8")).trim();
  if (existing === "") throw new Error(`${path} is empty; remove it to create a new admin token`);
  return existing;
}
