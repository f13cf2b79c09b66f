import pb from "protobufjs/minimal.js";
import { describe, expect, it } from "vitest";
import { BadRequestError, UnsupportedMediaTypeError } from "@flotilla/api";
import { decodeProtobuf, decodeProtobufObject, isProtobufContentType, unknownFieldWarnings } from "./decode.ts";
import { goDuration } from "./wellknown.ts";

// A field to encode: [number, kind, value]. s = string, b = bytes, v = varint,
// d = double, m = nested message (fields), p = packed varints.
type Field = [number, "s", string] | [number, "b", Uint8Array] | [number, "v", number] | [number, "d", number] | [number, "m", Field[]] | [number, "p", number[]];

function encode(fields: Field[]): Uint8Array {
  const w = pb.Writer.create();
  for (const [no, kind, value] of fields) {
    if (kind === "s") w.uint32((no << 3) | 2).string(value);
    else if (kind === "b") w.uint32((no << 3) | 2).bytes(value);
    else if (kind === "v") w.uint32(no << 3).int64(value);
    else if (kind === "d") w.uint32((no << 3) | 1).double(value);
    else if (kind === "m") w.uint32((no << 3) | 2).bytes(encode(value));
    else {
      const inner = pb.Writer.create();
      for (const n of value) inner.int64(n);
      w.uint32((no << 3) | 2).bytes(inner.finish());
    }
  }
  return w.finish();
}

function body(apiVersion: string, kind: string, raw: Field[], extra: Field[] = []): Uint8Array {
  const unknown = encode([
    [1, "m", [[1, "s", apiVersion], [2, "s", kind]]],
    [2, "b", encode(raw)],
    ...extra,
  ]);
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

const meta = (name: string): Field => [1, "m", [[1, "s", name]]];

describe("protobuf decoder: Go JSON semantics", () => {
  it("deployment strategy: IntOrString percent and int, pointer replicas, zero-valued status", () => {
    const d = decodeProtobufObject(
      body("apps/v1", "Deployment", [
        meta("web"),
        [2, "m", [
          [1, "v", 0],
          [4, "m", [[1, "s", "RollingUpdate"], [2, "m", [[1, "m", [[1, "v", 0], [2, "v", 1]]], [2, "m", [[1, "v", 1], [3, "s", "25%"]]]]]]],
          [6, "v", 10],
        ]],
      ]),
    );
    expect(d.spec).toEqual({
      replicas: 0,
      selector: null,
      template: { metadata: { creationTimestamp: null }, spec: { containers: null } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: "25%" } },
      revisionHistoryLimit: 10,
    });
    expect(d.status).toEqual({});
  });

  it("timestamps: Time keeps whole seconds, MicroTime six digits, empty Time is null", () => {
    const lease = decodeProtobufObject(
      body("coordination.k8s.io/v1", "Lease", [
        [1, "m", [[1, "s", "node-1"], [8, "m", [[1, "v", 1714558830], [2, "v", 999]]], [9, "m", []]]],
        [2, "m", [[1, "s", "node-1"], [2, "v", 40], [3, "m", [[1, "v", 1714558830], [2, "v", 123456789]]]]],
      ]),
    );
    expect(lease.metadata).toEqual({ name: "node-1", creationTimestamp: "2024-05-01T10:20:30Z", deletionTimestamp: null });
    expect(lease.spec).toEqual({ holderIdentity: "node-1", leaseDurationSeconds: 40, acquireTime: "2024-05-01T10:20:30.123456Z" });
  });

  it("accepts packed repeated varints (as any proto parser must)", () => {
    const pod = decodeProtobufObject(body("v1", "Pod", [meta("p"), [2, "m", [[14, "m", [[4, "p", [4000, 5000]]]]]]]));
    expect((pod.spec as { securityContext: unknown }).securityContext).toEqual({ supplementalGroups: [4000, 5000] });
  });

  it("negative int32 and large int64 values", () => {
    const pc = decodeProtobufObject(body("scheduling.k8s.io/v1", "PriorityClass", [meta("low"), [2, "v", -5]]));
    expect(pc.value).toBe(-5);
    const ns = decodeProtobufObject(body("v1", "Namespace", [[1, "m", [[1, "s", "x"], [7, "v", 2 ** 40]]]]));
    expect(ns.metadata.generation).toBe(2 ** 40);
  });

  it("RawExtension and FieldsV1 carry embedded JSON", () => {
    const cm = decodeProtobufObject(
      body("v1", "ConfigMap", [[1, "m", [[1, "s", "c"], [17, "m", [[1, "s", "kubectl"], [7, "m", [[1, "b", Buffer.from('{"f:data":{}}')]]]]]]]]),
    );
    expect(cm.metadata.managedFields).toEqual([{ manager: "kubectl", fieldsV1: { "f:data": {} } }]);
  });

  it("Go duration text", () => {
    expect(goDuration(0)).toBe("0s");
    expect(goDuration(3600e9)).toBe("1h0m0s");
    expect(goDuration(90.5e9)).toBe("1m30.5s");
    expect(goDuration(1.5e6)).toBe("1.5ms");
    expect(goDuration(250)).toBe("250ns");
  });
});

describe("protobuf decoder: unknown fields are skipped and reported", () => {
  it("reports fields at the root, in nested messages and in list items, with paths", () => {
    const { object, unknownFields } = decodeProtobuf(
      body("apps/v1", "Deployment", [
        meta("web"),
        [99, "s", "future top-level field"],
        [2, "m", [[3, "m", [[2, "m", [[2, "m", [[1, "s", "c"], [2, "s", "img"], [77, "v", 1]]], [500, "m", [[1, "s", "x"]]]]]]]]],
      ]),
    );
    const containers = ((object.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers);
    expect(containers).toEqual([{ name: "c", image: "img", resources: {} }]);
    expect(unknownFields).toEqual([
      { path: "", field: 99, wireType: 2 },
      { path: "spec.template.spec.containers[0]", field: 77, wireType: 0 },
      { path: "spec.template.spec", field: 500, wireType: 2 },
    ]);
    expect(unknownFieldWarnings(unknownFields)[1]).toBe("unknown protobuf field 77 (wire type 0) in spec.template.spec.containers[0] was ignored");
  });

  it("skips unknown fields inside the envelope and the type meta", () => {
    const { object, unknownFields } = decodeProtobuf(body("v1", "Namespace", [meta("x")], [[9, "v", 1]]));
    expect(object.metadata.name).toBe("x");
    expect(unknownFields).toEqual([{ path: "<envelope>", field: 9, wireType: 0 }]);
  });
});

describe("protobuf decoder: malformed input is a BadRequestError", () => {
  const good = body("v1", "Namespace", [meta("x")]);
  it.each([
    ["no magic", Uint8Array.from([0x0a, 0x00])],
    ["empty body", new Uint8Array(0)],
    ["truncated", good.subarray(0, good.length - 3)],
    ["field number 0", Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x02, 0x00])],
    ["wrong wire type for a string", body("v1", "Namespace", [[1, "m", [[1, "v", 5]]]])],
    ["no kind", body("v1", "", [meta("x")])],
    ["length past the end", Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x12, 0x7f, 0x01])],
    ["wire type 7", Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0f])],
    ["a varint longer than ten bytes", Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x08, ...new Array<number>(11).fill(0xff), 0x01])],
    ["an unknown group holding a bad wire type", Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x2b, 0x0f, 0x2c])],
    ["groups nested past the stack", Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...new Array<number>(200_000).fill(0x2b)])],
  ])("%s", (_name, bytes) => {
    expect(() => decodeProtobufObject(bytes)).toThrow(BadRequestError);
  });

  it("an unsupported content encoding", () => {
    expect(() => decodeProtobufObject(body("v1", "Namespace", [meta("x")], [[3, "s", "gzip"]]))).toThrow(/content encoding/);
  });

  it("a kind without a schema is refused (415) instead of losing its spec", () => {
    expect(() => decodeProtobufObject(body("v1", "Node", [meta("n")]))).toThrow(UnsupportedMediaTypeError);
  });

  it("an envelope whose payload is JSON is read as JSON", () => {
    const unknown = encode([
      [1, "m", [[1, "s", "v1"], [2, "s", "ConfigMap"]]],
      [2, "b", Buffer.from('{"metadata":{"name":"j"},"data":{"a":"b"}}')],
      [4, "s", "application/json"],
    ]);
    const obj = decodeProtobufObject(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]));
    expect(obj).toEqual({ kind: "ConfigMap", apiVersion: "v1", metadata: { name: "j" }, data: { a: "b" } });
  });
});

describe("isProtobufContentType", () => {
  it.each([
    ["application/vnd.kubernetes.protobuf", true],
    ["Application/VND.Kubernetes.Protobuf; charset=binary", true],
    ["application/vnd.kubernetes.protobuf;stream=watch", false],
    ["application/json", false],
    ["application/vnd.kubernetes.protobuf+json", false],
    [undefined, false],
  ])("%s → %s", (ct, expected) => {
    expect(isProtobufContentType(ct)).toBe(expected);
  });
});
