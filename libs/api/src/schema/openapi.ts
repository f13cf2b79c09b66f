/**
 * OpenAPI v3 documents generated from the schemas that validate requests, shaped
 * like the apiserver's `/openapi/v3/apis/<group>/<version>`: named components with
 * `x-kubernetes-group-version-kind`, `$ref`s between them, our own descriptions
 * (for `kubectl explain`) and patch merge keys; plus the paths, whose PATCH
 * operations advertise `fieldValidation` so kubectl leaves validation to the server.
 */
import { createHash } from "node:crypto";
import { Kind } from "@sinclair/typebox";
import type { TObject, TSchema } from "@sinclair/typebox";
import { RESOURCES } from "../registry.ts";
import { CustomKind, isMapSchema, namedSchema } from "./build.ts";
import { GROUP_VERSIONS, SCALE_INFO, apiVersionOf, schemaForKind } from "./catalog.ts";
import { DeleteOptions, Patch, Status, WatchEvent, listResource } from "./objectmeta.ts";
import type { Gvk } from "./objectmeta.ts";
import { pathsFor } from "./openapi-paths.ts";

type Json = Record<string, unknown>;
type Schema = TSchema & Record<string, unknown>;

/** The index served at /openapi/v3. */
export interface OpenApiIndex {
  paths: Record<string, { serverRelativeURL: string }>;
}

/** Keywords that only matter to our decoder, not to OpenAPI readers. */
const DROPPED = new Set(["$id", "additionalProperties", "properties", "minimum", "maximum", "anyOf"]);

const REF_PREFIX = "#/components/schemas/";

class Converter {
  readonly components: Record<string, Json> = {};

  /** A property's schema; named types become references to components. */
  field(schema: Schema): Json {
    if (typeof schema.$id === "string") {
      this.component(schema.$id);
      const out: Json = { allOf: [{ $ref: REF_PREFIX + schema.$id }] };
      const own = namedSchema(schema.$id)?.description;
      // Only a field's own wording; the component already carries the type's.
      if (typeof schema.description === "string" && schema.description !== own) out.description = schema.description;
      return out;
    }
    return this.inline(schema);
  }

  /** Emit the component for `id` (once). */
  component(id: string): void {
    if (this.components[id]) return;
    const schema = namedSchema(id) as Schema | undefined;
    if (!schema) throw new Error(`schema ${id} is not registered`);
    this.components[id] = {};
    this.components[id] = this.inline(schema);
  }

  /** The body of a schema, with its children converted. */
  inline(schema: Schema): Json {
    const out: Json = {};
    for (const [k, v] of Object.entries(schema)) if (!DROPPED.has(k)) out[k] = v;
    switch (schema[Kind]) {
      case "Object":
        if (isMapSchema(schema)) {
          const value = schema.additionalProperties as Schema;
          // A map of anything (managedFields' fieldsV1) is just an object.
          if (value[Kind] !== "Unknown") out.additionalProperties = this.field(value);
        } else if (schema.properties && Object.keys(schema.properties).length > 0) {
          out.properties = this.props(schema.properties as Record<string, Schema>);
        }
        out.type = "object";
        break;
      case "Array":
        out.items = this.field(schema.items as Schema);
        break;
      case "Union":
        // IntOrString: either half is valid, as the apiserver publishes it.
        out.oneOf = (schema.anyOf as Schema[]).map((s) => this.inline(s));
        break;
      case CustomKind.Quantity:
      case CustomKind.Time:
      case CustomKind.Bytes:
        break;
    }
    return out;
  }

  private props(props: Record<string, Schema>): Json {
    const out: Json = {};
    for (const [name, s] of Object.entries(props)) out[name] = this.field(s);
    return out;
  }
}

function pathPrefix(gv: string): string {
  return gv.includes("/") ? `apis/${gv}` : `api/${gv}`;
}

function gvkOf(schema: TSchema): Gvk {
  return ((schema as Json)["x-kubernetes-group-version-kind"] as Gvk[])[0]!;
}

function buildDocument(gv: string): Json {
  const conv = new Converter();
  const kinds = RESOURCES.filter((r) => apiVersionOf(r) === gv);
  for (const info of kinds) {
    const root = schemaForKind(info) as TObject & { $id: string };
    conv.component(root.$id);
    conv.component(listResource(root, gvkOf(root)).$id as string);
  }
  // The scale subresource answers with autoscaling/v1 Scale; that group's own
  // document holds only Scale.
  if (kinds.some((k) => k.subresources.includes("scale")) || gv === apiVersionOf(SCALE_INFO)) {
    conv.component((schemaForKind(SCALE_INFO) as TObject & { $id: string }).$id);
  }
  for (const s of [Status, DeleteOptions, Patch, WatchEvent]) conv.component(s.$id as string);
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths: pathsFor(kinds),
    components: { schemas: sortKeys(conv.components) },
  };
}

function sortKeys(o: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

const documents = new Map<string, Json>();
const hashes = new Map<string, string>();

/** The group-versions with a document: "v1", "apps/v1", ..., "autoscaling/v1". */
export function openApiGroupVersions(): string[] {
  return [...GROUP_VERSIONS];
}

/**
 * The OpenAPI v3 document of a group-version ("v1", "apps/v1"), or undefined for
 * one Flotilla does not serve. Built once and cached: callers must not change it.
 */
export function openApiDocument(groupVersion: string): Json | undefined {
  if (!GROUP_VERSIONS.includes(groupVersion)) return undefined;
  let doc = documents.get(groupVersion);
  if (!doc) {
    doc = buildDocument(groupVersion);
    documents.set(groupVersion, doc);
  }
  return doc;
}

/** Upper-case hex SHA-512 of the document, as the apiserver puts in `?hash=`. */
function defaultHash(groupVersion: string): string {
  let h = hashes.get(groupVersion);
  if (!h) {
    h = createHash("sha512").update(JSON.stringify(openApiDocument(groupVersion))).digest("hex").toUpperCase();
    hashes.set(groupVersion, h);
  }
  return h;
}

/**
 * The `/openapi/v3` index: one entry per group-version ("api/v1", "apis/apps/v1",
 * ...) pointing at its document with a content hash, so clients cache by URL.
 *
 * @param hashOf hash for a group-version's document; defaults to its SHA-512.
 */
export function openApiIndex(hashOf: (groupVersion: string) => string = defaultHash): OpenApiIndex {
  const paths: OpenApiIndex["paths"] = {};
  for (const gv of GROUP_VERSIONS) paths[pathPrefix(gv)] = { serverRelativeURL: `/openapi/v3/${pathPrefix(gv)}?hash=${hashOf(gv)}` };
  return { paths };
}
