/**
 * Kubernetes resource quantities ("100m", "1Gi", "0.5", "1e3"): the grammar Go's
 * resource.ParseQuantity accepts, and their value as a number so requests can be
 * compared with limits.
 */

// sign, then digits with at most one point (at least one digit), then one suffix.
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const BINARY: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** The message Go's decoder gives for an unparseable quantity. */
export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** True when `s` is a quantity Kubernetes would parse. */
export function isQuantity(s: string): boolean {
  return QUANTITY.test(s);
}

/**
 * The numeric value of a quantity ("1Gi" → 1073741824, "100m" → 0.1), or undefined
 * when it does not parse. Numbers are taken as they are.
 */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
  if (parsed.has(q)) return parsed.get(q);
  if (parsed.size >= MAX_PARSED) parsed.clear();
  const v = parse(q);
  parsed.set(q, v);
  return v;
}

// A cluster uses a handful of distinct quantities ("100m", "128Mi") over and over: the
// scheduler parsed each pod's on every event of it, 4 % of its CPU in the deployment
// bench. Bounded, so clients that invent quantities cannot grow it.
const MAX_PARSED = 4096;
const parsed = new Map<string, number | undefined>();

function parse(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  const [, num = "", suffix = ""] = m;
  const [intPart = "", fracPart = ""] = num.replace(/^[+-]/, "").split(".");
  const sign = num.startsWith("-") ? -1 : 1;
  // Scale an integer mantissa by a power of ten in one step, so "0.1" and "100m"
  // round to the same double.
  const mantissa = Number((intPart + fracPart).replace(/^0+(?=\d)/, "") || "0");
  let exp10 = -fracPart.length;
  let binary = 0;
  if (suffix in BINARY) binary = BINARY[suffix]! * 10;
  else if (suffix in DECIMAL) exp10 += DECIMAL[suffix]!;
  else exp10 += Number(suffix.slice(1));
  const scaled = exp10 >= 0 ? mantissa * 10 ** exp10 : mantissa / 10 ** -exp10;
  return sign * scaled * 2 ** binary;
}
