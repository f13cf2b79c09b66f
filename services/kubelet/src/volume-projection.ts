/**
 * What the API-data volumes (configMap, secret, downwardAPI, projected) contain: a
 * payload of relative paths → bytes and mode, computed from objects already read. Pure,
 * so every rule is unit-tested; volumes.ts reads the objects and writes the payload.
 * The rules are Kubernetes' (pkg/volume/configmap, secret, downwardapi, projected).
 */
import type { ContainerObject, PodObject } from "@flotilla/api";
import { resourceField } from "./env.ts";
import type { FileProjection } from "./volume-atomic-writer.ts";
import { MountError } from "./volume-fs.ts";

export type VolumeObject = NonNullable<NonNullable<PodObject["spec"]>["volumes"]>[number];
type ProjectedObject = NonNullable<VolumeObject["projected"]>;
export type VolumeProjection = NonNullable<ProjectedObject["sources"]>[number];
export type TokenProjection = NonNullable<VolumeProjection["serviceAccountToken"]>;
type DownwardItem = NonNullable<NonNullable<VolumeObject["downwardAPI"]>["items"]>[number];
type KeyToPath = { key: string; path: string; mode?: number | undefined };

/** Kubernetes' default file mode for API-data volumes (0644, the 420 of the API). */
export const DEFAULT_MODE = 0o644;

/** Bytes of a ConfigMap's or Secret's keys (ConfigMap data and binaryData merged; Secret data decoded). */
export type KeyData = Readonly<Record<string, Buffer>>;

/** The objects a payload is made from, read beforehand. undefined: the object does not exist. */
export interface Fetched {
  configMap(name: string): KeyData | undefined;
  secret(name: string): KeyData | undefined;
  /** The current token for this source (read beforehand); absent is a bug. */
  token(source: TokenProjection): string;
}

const modeOf = (mode: number | undefined, fallback: number): number => (mode ?? fallback) & 0o777;

/**
 * A ConfigMap's or Secret's keys as files: every key under its own name, or only the
 * listed items at their paths. A missing object or key fails unless `optional`.
 */
export function projectKeys(
  volume: string,
  source: { kind: "configmap" | "secret"; name: string; items?: readonly KeyToPath[] | undefined; optional?: boolean | undefined },
  data: KeyData | undefined,
  defaultMode: number,
): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>();
  if (!data) {
    if (source.optional) return out;
    throw new MountError(volume, `${source.kind} "${source.name}" not found`);
  }
  if (!source.items || source.items.length === 0) {
    for (const [key, value] of Object.entries(data)) out.set(key, { data: value, mode: modeOf(undefined, defaultMode) });
    return out;
  }
  for (const item of source.items) {
    const value = data[item.key];
    if (value === undefined) {
      if (source.optional) continue;
      throw new MountError(volume, `${source.kind} references non-existent ${source.kind === "secret" ? "secret" : "config"} key: ${item.key}`);
    }
    out.set(item.path, { data: value, mode: modeOf(item.mode, defaultMode) });
  }
  return out;
}

/**
 * A map as the downward API writes it: `key="value"` lines sorted by key, no final
 * newline. Values are quoted like Go's %q; JSON's escaping matches it for the text
 * labels and annotations hold.
 */
export function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join("\n");
}

/** The pod fields a downwardAPI volume may hold (Kubernetes allows only metadata ones there). */
export function downwardField(pod: PodObject, fieldPath: string): string | undefined {
  const m = pod.metadata ?? {};
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  if (label) return m.labels?.[label[1]!] ?? "";
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(fieldPath);
  if (annotation) return m.annotations?.[annotation[1]!] ?? "";
  switch (fieldPath) {
    case "metadata.name":
      return m.name ?? "";
    case "metadata.namespace":
      return m.namespace ?? "";
    case "metadata.uid":
      return m.uid ?? "";
    case "metadata.labels":
      return formatMap(m.labels);
    case "metadata.annotations":
      return formatMap(m.annotations);
    default:
      return undefined;
  }
}

/** downwardAPI items as files. resourceFieldRef reads the named container's requests or limits. */
export function downwardApiFiles(volume: string, items: readonly DownwardItem[], defaultMode: number, pod: PodObject): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>();
  const containers: ContainerObject[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const item of items) {
    let value: string | undefined;
    if (item.fieldRef) {
      value = downwardField(pod, item.fieldRef.fieldPath);
      if (value === undefined) throw new MountError(volume, `downwardAPI ${item.path}: unsupported fieldPath ${item.fieldRef.fieldPath}`);
    } else if (item.resourceFieldRef) {
      const name = item.resourceFieldRef.containerName;
      const container = containers.find((c) => c.name === name);
      if (!container) throw new MountError(volume, `downwardAPI ${item.path}: container ${JSON.stringify(name ?? "")} not found`);
      // An unset limit reads as 0 here; Kubernetes would give the node's allocatable.
      value = resourceField(container, item.resourceFieldRef.resource, item.resourceFieldRef.divisor);
    } else {
      throw new MountError(volume, `downwardAPI ${item.path}: needs fieldRef or resourceFieldRef`);
    }
    out.set(item.path, { data: Buffer.from(value), mode: modeOf(item.mode, defaultMode) });
  }
  return out;
}

/** The payload of a configMap, secret or downwardAPI volume. */
export function apiVolumePayload(v: VolumeObject, pod: PodObject, fetched: Fetched): Map<string, FileProjection> {
  if (v.configMap) {
    const s = v.configMap;
    return projectKeys(v.name, { kind: "configmap", name: s.name ?? "", items: s.items, optional: s.optional }, fetched.configMap(s.name ?? ""), s.defaultMode ?? DEFAULT_MODE);
  }
  if (v.secret) {
    const s = v.secret;
    return projectKeys(v.name, { kind: "secret", name: s.secretName ?? "", items: s.items, optional: s.optional }, fetched.secret(s.secretName ?? ""), s.defaultMode ?? DEFAULT_MODE);
  }
  if (v.downwardAPI) return downwardApiFiles(v.name, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE, pod);
  if (v.projected) return projectedPayload(v.name, v.projected, pod, fetched);
  throw new MountError(v.name, "not an API-data volume"); // cannot happen: callers check the kind
}

/**
 * A projected volume: its sources merged into one directory, later sources winning on
 * a shared path (the API refuses such overlaps anyway). Every file gets the volume's
 * defaultMode unless its item sets a mode; the token file too.
 */
export function projectedPayload(volume: string, projected: ProjectedObject, pod: PodObject, fetched: Fetched): Map<string, FileProjection> {
  const mode = projected.defaultMode ?? DEFAULT_MODE;
  const out = new Map<string, FileProjection>();
  const merge = (m: Map<string, FileProjection>): void => {
    for (const [k, f] of m) out.set(k, f);
  };
  for (const src of projected.sources ?? []) {
    if (src.configMap) {
      const s = src.configMap;
      merge(projectKeys(volume, { kind: "configmap", name: s.name ?? "", items: s.items, optional: s.optional }, fetched.configMap(s.name ?? ""), mode));
    } else if (src.secret) {
      const s = src.secret;
      merge(projectKeys(volume, { kind: "secret", name: s.name ?? "", items: s.items, optional: s.optional }, fetched.secret(s.name ?? ""), mode));
    } else if (src.downwardAPI) {
      merge(downwardApiFiles(volume, src.downwardAPI.items ?? [], mode, pod));
    } else if (src.serviceAccountToken) {
      out.set(src.serviceAccountToken.path, { data: Buffer.from(fetched.token(src.serviceAccountToken)), mode: modeOf(undefined, mode) });
    }
  }
  return out;
}
