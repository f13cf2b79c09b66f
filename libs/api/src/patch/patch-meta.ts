/**
 * Patch metadata: for each field of a built-in kind, whether a list merges element by
 * element (and by which key) or is replaced whole. In Kubernetes this lives in Go
 * struct tags (`patchStrategy`, `patchMergeKey`, `listType`, `listMapKey`); here it is
 * one table, read by strategic merge patch, by server-side apply and by the OpenAPI
 * generator (`x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`,
 * `x-kubernetes-list-type`, `x-kubernetes-list-map-keys`), so all three agree.
 *
 * A field with no entry behaves as in JSON merge patch: maps merge, lists are atomic.
 */

/** Values of `x-kubernetes-patch-strategy`. */
export type PatchStrategy = "merge" | "replace" | "retainKeys" | "merge,retainKeys";

/** Values of `x-kubernetes-list-type`. */
export type ListType = "atomic" | "set" | "map";

/** What the table says about one field. */
export interface FieldPatchMeta {
  /** How a strategic merge patch treats the field. Absent: maps merge, lists are replaced. */
  readonly strategy?: PatchStrategy;
  /** The element field that identifies an element of a merged list of objects. */
  readonly mergeKey?: string;
  /** For server-side apply, when it differs from what `strategy` implies. */
  readonly listType?: ListType;
  /** Keys of a `map` list for server-side apply. @default [mergeKey] */
  readonly listMapKeys?: readonly string[];
  /** Values the server defaults for absent key fields (a port's protocol is TCP). */
  readonly keyDefaults?: Readonly<Record<string, string | number | boolean>>;
  /** `atomic`: server-side apply owns the whole map as one value (label selectors). */
  readonly mapType?: "atomic";
  /** The fields of the value; for a list, of each element. */
  readonly fields?: MetaFields;
}

/** Patch metadata of an object's fields, by field name. */
export type MetaFields = Readonly<Record<string, FieldPatchMeta>>;

/** A kind, without version: patch metadata does not change between versions. */
export interface GroupKind {
  /** "" for the core group. */
  group: string;
  kind: string;
}

/** How server-side apply sees a list. */
export type ListShape = { type: "atomic" } | { type: "set" } | { type: "map"; keys: readonly string[] };

const byName = (fields?: MetaFields): FieldPatchMeta => ({ strategy: "merge", mergeKey: "name", ...(fields ? { fields } : {}) });
const byKey = (mergeKey: string): FieldPatchMeta => ({ strategy: "merge", mergeKey });
const SET: FieldPatchMeta = { strategy: "merge" };
const CONDITIONS = byKey("type");
const TCP = { protocol: "TCP" } as const;

const OBJECT_META: MetaFields = {
  ownerReferences: byKey("uid"),
  finalizers: SET,
};

const LABEL_SELECTOR: FieldPatchMeta = { mapType: "atomic" };

const CONTAINER: MetaFields = {
  ports: { strategy: "merge", mergeKey: "containerPort", listMapKeys: ["containerPort", "protocol"], keyDefaults: TCP },
  env: byName(),
  volumeMounts: byKey("mountPath"),
  volumeDevices: byKey("devicePath"),
};

const POD_SPEC: MetaFields = {
  containers: byName(CONTAINER),
  initContainers: byName(CONTAINER),
  ephemeralContainers: byName(CONTAINER),
  volumes: { strategy: "merge,retainKeys", mergeKey: "name" },
  imagePullSecrets: byName(),
  hostAliases: byKey("ip"),
  topologySpreadConstraints: { strategy: "merge", mergeKey: "topologyKey", listMapKeys: ["topologyKey", "whenUnsatisfiable"] },
  schedulingGates: byName(),
  resourceClaims: { strategy: "merge,retainKeys", mergeKey: "name" },
  nodeSelector: { mapType: "atomic" },
  // tolerations, readinessGates, affinity terms: no metadata, so replaced whole.
};

const POD_STATUS: MetaFields = {
  conditions: CONDITIONS,
  podIPs: byKey("ip"),
  hostIPs: byKey("ip"),
  resourceClaimStatuses: { strategy: "merge,retainKeys", mergeKey: "name" },
};

const POD_TEMPLATE_SPEC: FieldPatchMeta = { fields: { metadata: { fields: OBJECT_META }, spec: { fields: POD_SPEC } } };

/** spec of the workload kinds: a selector and a pod template. */
function workloadSpec(extra: MetaFields = {}): FieldPatchMeta {
  return { fields: { selector: LABEL_SELECTOR, template: POD_TEMPLATE_SPEC, ...extra } };
}

const WITH_CONDITIONS: FieldPatchMeta = { fields: { conditions: CONDITIONS } };

const JOB_SPEC = workloadSpec();

/** Root fields of each kind with more than ObjectMeta to say. */
const KINDS: Readonly<Record<string, MetaFields>> = {
  "/Pod": { spec: { fields: POD_SPEC }, status: { fields: POD_STATUS } },
  "/PodTemplate": { template: POD_TEMPLATE_SPEC },
  "/ReplicationController": { spec: { fields: { template: POD_TEMPLATE_SPEC } }, status: WITH_CONDITIONS },
  "/Service": {
    spec: {
      fields: {
        ports: { strategy: "merge", mergeKey: "port", listMapKeys: ["port", "protocol"], keyDefaults: TCP },
        selector: { mapType: "atomic" },
      },
    },
    status: WITH_CONDITIONS,
  },
  "/Node": {
    spec: { fields: { podCIDRs: SET } },
    status: { fields: { conditions: CONDITIONS, addresses: byKey("type") } },
  },
  "/Namespace": { status: WITH_CONDITIONS },
  "/ServiceAccount": { secrets: byName() },
  // Endpoints subsets and EndpointSlice endpoints/ports carry no metadata: atomic.
  "apps/Deployment": { spec: workloadSpec({ strategy: { strategy: "retainKeys" } }), status: WITH_CONDITIONS },
  "apps/ReplicaSet": { spec: workloadSpec(), status: WITH_CONDITIONS },
  "apps/DaemonSet": { spec: workloadSpec(), status: WITH_CONDITIONS },
  "apps/StatefulSet": { spec: workloadSpec(), status: WITH_CONDITIONS },
  // Job conditions merge by type in a patch but are one atomic list to apply.
  "batch/Job": { spec: JOB_SPEC, status: { fields: { conditions: { ...CONDITIONS, listType: "atomic" } } } },
  "batch/CronJob": { spec: { fields: { jobTemplate: { fields: { metadata: { fields: OBJECT_META }, spec: JOB_SPEC } } } } },
};

const GENERIC: MetaFields = { metadata: { fields: OBJECT_META } };
const ROOTS = new Map<string, MetaFields>(Object.entries(KINDS).map(([k, fields]) => [k, { ...GENERIC, ...fields }]));

/** The kinds the table describes beyond ObjectMeta. */
export const PATCH_META_KINDS: readonly GroupKind[] = Object.freeze(
  Object.keys(KINDS).map((k) => {
    const [group = "", kind = ""] = k.split("/");
    return { group, kind };
  }),
);

/**
 * Root field metadata of a kind. Every kind gets ObjectMeta's (ownerReferences by
 * uid, finalizers as a set); a kind the table does not know has nothing else, so its
 * lists are replaced whole as in a JSON merge patch.
 */
export function patchMetaFor(kind: GroupKind): MetaFields {
  return ROOTS.get(`${kind.group}/${kind.kind}`) ?? GENERIC;
}

/** The metadata of field `name` among `fields`, if any. Own keys only: "constructor" is a field name too. */
export function fieldMeta(fields: MetaFields | undefined, name: string): FieldPatchMeta | undefined {
  return fields && Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/**
 * The metadata of the field at `path`: field names from the root, list elements not
 * named (`["spec", "template", "spec", "containers", "ports"]`). Undefined when the
 * table says nothing, which means: maps merge, lists are replaced. The OpenAPI
 * generator turns `strategy`/`mergeKey` into `x-kubernetes-patch-strategy` and
 * `x-kubernetes-patch-merge-key`.
 */
export function patchStrategyFor(kind: GroupKind, path: readonly string[]): FieldPatchMeta | undefined {
  let fields: MetaFields | undefined = patchMetaFor(kind);
  let meta: FieldPatchMeta | undefined;
  for (const name of path) {
    meta = fieldMeta(fields, name);
    if (!meta) return undefined;
    fields = meta.fields;
  }
  return meta;
}

/** True when a strategic merge patch merges this list rather than replacing it. */
export function mergesList(meta: FieldPatchMeta | undefined): boolean {
  return meta?.strategy?.split(",").includes("merge") ?? false;
}

/** How server-side apply treats a list field (`x-kubernetes-list-type` and its keys). */
export function listShape(meta: FieldPatchMeta | undefined): ListShape {
  if (meta === undefined) return ATOMIC;
  // The tables are static, and every walk over an object asks once per list.
  let shape = shapes.get(meta);
  if (!shape) shapes.set(meta, (shape = computeListShape(meta)));
  return shape;
}

const ATOMIC: ListShape = Object.freeze({ type: "atomic" });
const shapes = new WeakMap<FieldPatchMeta, ListShape>();

function computeListShape(meta: FieldPatchMeta | undefined): ListShape {
  const type = meta?.listType ?? (mergesList(meta) ? (meta?.mergeKey ? "map" : "set") : "atomic");
  if (type !== "map") return { type };
  const keys = meta?.listMapKeys ?? (meta?.mergeKey ? [meta.mergeKey] : []);
  return keys.length > 0 ? { type, keys } : { type: "atomic" };
}
