/** Parsing of list/watch query values that are Flotilla's own encoding. */
import { BadRequestError, GoneError } from "@flotilla/api";

/** "" → undefined (most recent), "0" → 0 (any), "123" → 123. */
export function parseResourceVersion(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new BadRequestError(`invalid resourceVersion "${raw}": must be a non-negative integer`);
  return n;
}

export interface ContinueToken {
  revision: number;
  /** The last store key of the previous page. */
  key: string;
}

/** Opaque to clients; base64url JSON so it survives any query encoding. */
export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 1, rv: t.revision, k: t.key })).toString("base64url");
}

export function decodeContinue(raw: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as { v?: number; rv?: unknown; k?: unknown };
    if (t.v !== 1 || typeof t.rv !== "number" || typeof t.k !== "string") throw new Error("bad shape");
    return { revision: t.rv, key: t.k };
  } catch {
    // Kubernetes answers an unusable continue token with 410 so the client restarts its list.
    throw new GoneError("the provided continue parameter is not valid; please restart your list without the continue parameter");
  }
}
