/** Query parameters shared by the HTTP handlers. */
import { BadRequestError } from "@flotilla/api";

/** A non-negative integer query parameter, or undefined when absent; 400 naming it otherwise. */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new BadRequestError(`${name}: invalid value "${v}": must be a non-negative integer`);
  return n;
}
