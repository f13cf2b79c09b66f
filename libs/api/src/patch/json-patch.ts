/**
 * JSON patch (RFC 6902), the `application/json-patch+json` PATCH body: what
 * `kubectl rollout undo` and `kubectl patch --type json` send. The operations run on
 * fast-json-patch; this module checks them first and turns every failure into a 400
 * that says which operation failed and why.
 */
import jsonpatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { BadRequestError } from "../errors.ts";
import { clone, isObject } from "./json.ts";

/** One RFC 6902 operation as it arrives on the wire. */
export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);
const NEEDS_VALUE = new Set(["add", "replace", "test"]);
const NEEDS_FROM = new Set(["move", "copy"]);

/** The prefix Kubernetes clients show for a 400 they cannot explain further. */
const REJECTED = "the server rejected our request due to an error in our request";

/**
 * Applies a JSON patch to a copy of `target` and returns the copy. `ops` is whatever
 * the request body decoded to; it is validated first (an array of well-formed RFC 6902
 * operations). A malformed operation, a path that does not resolve, or a failed `test`
 * throws BadRequestError. Neither input is modified.
 */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  const checked = validateOperations(ops);
  // fast-json-patch inserts operation values by reference: clone them so the result
  // never aliases the request body.
  const document = clone(target);
  try {
    return jsonpatch.applyPatch(document, clone(checked) as Operation[], true, true).newDocument;
  } catch (err) {
    throw translateError(err, checked);
  }
}

/** Checks the shape of every operation; the first bad one is reported by index. */
function validateOperations(ops: unknown): JsonPatchOperation[] {
  if (!Array.isArray(ops)) throw new BadRequestError(`${REJECTED}: a JSON patch must be an array of operations`);
  ops.forEach((op, i) => {
    const problem = operationProblem(op);
    if (problem) throw new BadRequestError(`${REJECTED}: JSON patch operation ${i}: ${problem}`);
  });
  return ops as JsonPatchOperation[];
}

/** What is wrong with one operation, or undefined if it is well formed. */
function operationProblem(op: unknown): string | undefined {
  if (!isObject(op)) return "is not an object";
  if (typeof op.op !== "string" || !OPS.has(op.op)) return `unknown op ${JSON.stringify(op.op ?? null)}; expected add, remove, replace, move, copy or test`;
  if (typeof op.path !== "string") return `${op.op} needs a string "path"`;
  if (op.path !== "" && !op.path.startsWith("/")) return `path ${JSON.stringify(op.path)} must be empty or start with "/"`;
  if (NEEDS_VALUE.has(op.op) && (!("value" in op) || op.value === undefined)) return `${op.op} ${op.path} needs a "value"`;
  if (NEEDS_FROM.has(op.op) && typeof op.from !== "string") return `${op.op} ${op.path} needs a string "from"`;
  return undefined;
}

/** Turns a fast-json-patch failure into a 400 naming the operation. */
function translateError(err: unknown, ops: readonly JsonPatchOperation[]): unknown {
  // fast-json-patch refuses `__proto__` and `constructor/prototype` paths with a TypeError.
  if (err instanceof TypeError) return new BadRequestError(`${REJECTED}: ${err.message}`);
  if (!(err instanceof jsonpatch.JsonPatchError)) return err;
  const op = err.index === undefined ? undefined : ops[err.index];
  const where = op ? `${op.op} ${op.path}` : "patch";
  switch (err.name) {
    case "TEST_OPERATION_FAILED":
      return new BadRequestError(`testing value ${op?.path ?? ""} failed: test failed`);
    case "OPERATION_PATH_UNRESOLVABLE":
      return new BadRequestError(`${REJECTED}: ${where}: the path does not exist in the object`);
    case "OPERATION_FROM_UNRESOLVABLE":
      return new BadRequestError(`${REJECTED}: ${where}: "from" ${op?.from ?? ""} does not exist in the object`);
    case "OPERATION_PATH_CANNOT_ADD":
      return new BadRequestError(`${REJECTED}: ${where}: the parent of the path does not exist in the object`);
    case "OPERATION_PATH_ILLEGAL_ARRAY_INDEX":
    case "OPERATION_VALUE_OUT_OF_BOUNDS":
      return new BadRequestError(`${REJECTED}: ${where}: bad array index`);
    default:
      return new BadRequestError(`${REJECTED}: ${where}: ${err.message.split("\n")[0] ?? err.name}`);
  }
}
