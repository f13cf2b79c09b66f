/**
 * Legacy discovery (APIVersions, APIGroupList, APIResourceList) and /version, built
 * from the resource registry. kubectl caches these under ~/.kube/cache.
 */
import { RESOURCES, groupVersion, type ResourceInfo } from "@flotilla/api";
import { AUTHENTICATION_GROUP, AUTHENTICATION_RESOURCES } from "./authn-reviews.ts";

/** Groups whose resources are served but never stored (so not in the resource registry). */
const UNSTORED: Record<string, { version: string; resources: object[] }> = {
  [AUTHENTICATION_GROUP]: { version: "v1", resources: AUTHENTICATION_RESOURCES },
};

/** The Kubernetes minor we speak: /usr/bin/kubectl picks its client by it. */
export const KUBERNETES_VERSION = { major: "1", minor: "32", patch: "0" } as const;

/** "v1.32": the Kubernetes API version Flotilla serves. */
export const KUBERNETES_API_VERSION = `v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}`;

export function versionInfo(flotillaVersion: string): Record<string, string> {
  const k = KUBERNETES_VERSION;
  return {
    major: k.major,
    minor: k.minor,
    gitVersion: `v${k.major}.${k.minor}.${k.patch}+flotilla.${flotillaVersion}`,
    gitCommit: "",
    gitTreeState: "clean",
    buildDate: "",
    goVersion: `node${process.versions.node}`,
    compiler: "tsc",
    platform: `${process.platform}/${process.arch}`,
  };
}

function groups(): Map<string, ResourceInfo[]> {
  const m = new Map<string, ResourceInfo[]>();
  for (const r of RESOURCES) {
    const gv = groupVersion(r);
    m.set(gv, [...(m.get(gv) ?? []), r]);
  }
  return m;
}

const BY_GV = groups();

export function apiVersions(serverAddress: string): object {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function groupEntry(group: string, version: string): object {
  const gv = { groupVersion: `${group}/${version}`, version };
  return { name: group, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(): object {
  const seen = new Map<string, string>();
  for (const r of RESOURCES) if (r.group) seen.set(r.group, r.version);
  for (const [g, u] of Object.entries(UNSTORED)) seen.set(g, u.version);
  return { kind: "APIGroupList", apiVersion: "v1", groups: [...seen].map(([g, v]) => groupEntry(g, v)) };
}

export function apiGroup(group: string): object | undefined {
  const version = RESOURCES.find((x) => x.group === group)?.version ?? UNSTORED[group]?.version;
  return version ? { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, version) } : undefined;
}

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ["get", "patch", "update"],
  scale: ["get", "patch", "update"],
  binding: ["create"],
  eviction: ["create"],
  log: ["get"],
  exec: ["create", "get"],
  finalize: ["update"],
  token: ["create"],
};

function subresourceKind(r: ResourceInfo, sub: string): { kind: string; group?: string; version?: string } {
  if (sub === "scale") return { kind: "Scale", group: "autoscaling", version: "v1" };
  if (sub === "binding") return { kind: "Binding" };
  if (sub === "eviction") return { kind: "Eviction", group: "policy", version: "v1" };
  if (sub === "token") return { kind: "TokenRequest", group: "authentication.k8s.io", version: "v1" };
  if (sub === "log" || sub === "exec") return { kind: sub === "exec" ? "PodExecOptions" : "Pod" };
  return { kind: r.kind };
}

export function apiResourceList(gv: string): object | undefined {
  const unstored = Object.entries(UNSTORED).find(([g, u]) => `${g}/${u.version}` === gv);
  if (unstored) return { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources: unstored[1].resources };
  const rs = BY_GV.get(gv);
  if (!rs) return undefined;
  const resources: object[] = [];
  for (const r of rs) {
    const entry: Record<string, unknown> = { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
    if (r.shortNames.length) entry["shortNames"] = r.shortNames;
    if (r.categories.length) entry["categories"] = r.categories;
    resources.push(entry);
    for (const sub of r.subresources) {
      resources.push({ name: `${r.resource}/${sub}`, singularName: "", namespaced: r.namespaced, ...subresourceKind(r, sub), verbs: SUBRESOURCE_VERBS[sub] ?? ["get"] });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources };
}
