/** Validation of pod volumes and their sources. */
import type { StatusCause } from "../errors.ts";
import { VOLUME_SOURCES } from "./core-volume.ts";
import { asString, child, duplicate, entries, forbidden, index, invalid, isObj, oneOf, required } from "./field-errors.ts";
import type { Obj } from "./field-errors.ts";
import { isConfigMapKey, isDNS1123Label, relativePathErrors } from "./names.ts";
import { QUANTITY_FORMAT_ERROR, parseQuantity } from "./quantity.ts";
import { validateValueFrom } from "./validate-container.ts";

const HOST_PATH_TYPES = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"] as const;
const MAX_MODE = 0o777;

function validateMode(errs: StatusCause[], mode: unknown, path: string): void {
  if (typeof mode === "number" && (mode < 0 || mode > MAX_MODE)) errs.push(invalid(path, mode, "must be a number between 0 and 0777 (octal), both inclusive"));
}

function validatePath(errs: StatusCause[], p: unknown, path: string): void {
  const s = asString(p);
  if (!s) {
    errs.push(required(path));
    return;
  }
  for (const m of relativePathErrors(s)) errs.push(invalid(path, s, m));
}

function validateItems(errs: StatusCause[], items: unknown, path: string): void {
  for (const [i, item] of entries(items)) {
    const at = index(path, i);
    const key = asString(item.key);
    if (!key) errs.push(required(child(at, "key")));
    else for (const m of isConfigMapKey(key)) errs.push(invalid(child(at, "key"), key, m));
    validatePath(errs, item.path, child(at, "path"));
    validateMode(errs, item.mode, child(at, "mode"));
  }
}

function validateDownwardItems(errs: StatusCause[], items: unknown, path: string): void {
  for (const [i, item] of entries(items)) {
    const at = index(path, i);
    validatePath(errs, item.path, child(at, "path"));
    validateMode(errs, item.mode, child(at, "mode"));
    const from: Obj = {};
    if (item.fieldRef !== undefined) from.fieldRef = item.fieldRef;
    if (item.resourceFieldRef !== undefined) from.resourceFieldRef = item.resourceFieldRef;
    validateValueFrom(errs, from, at);
  }
}

function validateProjected(errs: StatusCause[], src: Obj, path: string): void {
  validateMode(errs, src.defaultMode, child(path, "defaultMode"));
  for (const [i, s] of entries(src.sources)) {
    const at = index(child(path, "sources"), i);
    const set = ["configMap", "secret", "downwardAPI", "serviceAccountToken"].filter((k) => isObj(s[k]));
    if (set.length === 0) errs.push(required(at, "must specify a projection type"));
    for (const extra of set.slice(1)) errs.push(forbidden(child(at, extra), "may not specify more than 1 projection type"));
    for (const k of ["configMap", "secret"]) if (isObj(s[k])) validateItems(errs, (s[k] as Obj).items, child(child(at, k), "items"));
    if (isObj(s.downwardAPI)) validateDownwardItems(errs, s.downwardAPI.items, child(child(at, "downwardAPI"), "items"));
    if (isObj(s.serviceAccountToken)) {
      const tok = s.serviceAccountToken;
      validatePath(errs, tok.path, child(child(at, "serviceAccountToken"), "path"));
      if (typeof tok.expirationSeconds === "number" && tok.expirationSeconds < 600) {
        errs.push(invalid(child(child(at, "serviceAccountToken"), "expirationSeconds"), tok.expirationSeconds, "may not specify a duration less than 10 minutes"));
      }
    }
  }
}

/** Checks of the one source a volume names. */
function validateSource(errs: StatusCause[], v: Obj, source: string, path: string): void {
  const src = v[source] as Obj;
  switch (source) {
    case "emptyDir":
      if (src.sizeLimit !== undefined) {
        const n = parseQuantity(src.sizeLimit as string);
        if (n === undefined) errs.push(invalid(child(path, "sizeLimit"), src.sizeLimit, QUANTITY_FORMAT_ERROR));
        else if (n < 0) errs.push(invalid(child(path, "sizeLimit"), src.sizeLimit, "must be greater than or equal to 0"));
      }
      oneOf(errs, child(path, "medium"), src.medium, ["", "Memory", "HugePages"]);
      return;
    case "hostPath":
      if (!src.path) errs.push(required(child(path, "path")));
      oneOf(errs, child(path, "type"), src.type, HOST_PATH_TYPES);
      return;
    case "configMap":
    case "secret":
      if (!src[source === "secret" ? "secretName" : "name"]) errs.push(required(child(path, source === "secret" ? "secretName" : "name")));
      validateItems(errs, src.items, child(path, "items"));
      validateMode(errs, src.defaultMode, child(path, "defaultMode"));
      return;
    case "persistentVolumeClaim":
      if (!src.claimName) errs.push(required(child(path, "claimName")));
      return;
    case "projected":
      validateProjected(errs, src, path);
      return;
    case "downwardAPI":
      validateDownwardItems(errs, src.items, child(path, "items"));
      validateMode(errs, src.defaultMode, child(path, "defaultMode"));
      return;
    case "nfs":
      if (!src.server) errs.push(required(child(path, "server")));
      if (!src.path) errs.push(required(child(path, "path")));
      else if (!asString(src.path).startsWith("/")) errs.push(invalid(child(path, "path"), src.path, "must be an absolute path"));
      return;
    case "csi":
      if (!src.driver) errs.push(required(child(path, "driver")));
      return;
  }
}

/** The pod's volumes; returns the set of valid names for checking mounts. */
export function validateVolumes(errs: StatusCause[], volumes: unknown, path: string): Set<string> {
  const names = new Set<string>();
  for (const [i, v] of entries(volumes)) {
    const at = index(path, i);
    const name = asString(v.name);
    if (!name) errs.push(required(child(at, "name")));
    else for (const m of isDNS1123Label(name)) errs.push(invalid(child(at, "name"), name, m));
    if (name && names.has(name)) errs.push(duplicate(child(at, "name"), name));
    if (name) names.add(name);
    const set = VOLUME_SOURCES.filter((s) => isObj(v[s]));
    if (set.length === 0) errs.push(required(at, "must specify a volume type"));
    for (const extra of set.slice(1)) errs.push(forbidden(child(at, extra), "may not specify more than 1 volume type"));
    if (set[0]) validateSource(errs, v, set[0], child(at, set[0]));
  }
  return names;
}
