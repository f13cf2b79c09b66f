import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeProtobuf, decodeProtobufObject } from "./decode.ts";

// Bodies captured from kubectl 1.32 (protobuf) and, for the same commands, kubectl 1.31
// (JSON); see fixtures/README.md. The decoded protobuf must equal the JSON body.
const FIXTURES = new URL("./fixtures/", import.meta.url);
const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".bin"))
  .map((f) => f.slice(0, -4));

function fixture(name: string): { body: Uint8Array; json: unknown } {
  return {
    body: readFileSync(new URL(`${name}.bin`, FIXTURES)),
    json: JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as unknown,
  };
}

describe("protobuf: real kubectl 1.32 bodies decode to what kubectl 1.31 sent as JSON", () => {
  it("has the fixtures", () => {
    expect(names.length).toBeGreaterThanOrEqual(30);
  });

  it.each(names)("%s", (name) => {
    const { body, json } = fixture(name);
    const { object, unknownFields } = decodeProtobuf(body);
    expect(object).toEqual(json);
    expect(unknownFields).toEqual([]);
  });
});

describe("protobuf: decoded kubectl bodies", () => {
  it("create namespace: a Namespace with name and the zero-valued spec and status", () => {
    expect(decodeProtobufObject(fixture("namespace").body)).toEqual({
      kind: "Namespace",
      apiVersion: "v1",
      metadata: { name: "demo", creationTimestamp: null },
      spec: {},
      status: {},
    });
  });

  it("create configmap: text data and base64 binaryData", () => {
    const cm = decodeProtobufObject(fixture("configmap").body);
    expect(cm.data).toEqual({ a: "b", c: "d", "text.txt": "hello" });
    expect(Buffer.from((cm.binaryData as Record<string, string>).bin!, "base64")).toEqual(Buffer.from([0, 1, 2, 0xff, 0xfe, ...Buffer.from("binary")]));
  });

  it("create secret generic: base64 data and type", () => {
    const s = decodeProtobufObject(fixture("secret-generic").body);
    expect(s.type).toBe("Opaque");
    expect(Buffer.from((s.data as Record<string, string>).pass!, "base64").toString()).toBe("s3cr3t");
  });

  it("create service nodeport: ports with int targetPort and nodePort, selector, type", () => {
    const svc = decodeProtobufObject(fixture("svc-nodeport").body);
    expect(svc.spec).toEqual({
      ports: [{ name: "80-8080", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080 }],
      selector: { app: "np" },
      type: "NodePort",
    });
  });

  it("create deployment: replicas, selector and the pod template's container", () => {
    const d = decodeProtobufObject(fixture("deployment").body);
    expect(d.metadata).toEqual({ name: "web", namespace: "default", creationTimestamp: null, labels: { app: "web" } });
    const spec = d.spec as { replicas: number; selector: unknown; template: { spec: { containers: unknown[] } } };
    expect(spec.replicas).toBe(3);
    expect(spec.selector).toEqual({ matchLabels: { app: "web" } });
    expect(spec.template.spec.containers).toEqual([{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }], resources: {} }]);
  });

  it("create job --from=cronjob: full ObjectMeta, env sources, resources, probes with named ports", () => {
    const job = decodeProtobufObject(fixture("job-rich").body);
    const template = (job.spec as { template: { metadata: Record<string, unknown>; spec: { containers: Record<string, unknown>[] } } }).template;
    expect(template.metadata).toMatchObject({
      generateName: "rich-",
      uid: "11111111-2222-3333-4444-555555555555",
      resourceVersion: "42",
      generation: 7,
      creationTimestamp: "2024-05-01T10:20:30Z",
      deletionGracePeriodSeconds: 30,
      annotations: { note: "héllo wörld ✓", empty: "" },
      finalizers: ["example.com/cleanup", "foregroundDeletion"],
    });
    const main = template.spec.containers[0]!;
    expect(main.resources).toEqual({ limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "250m", memory: "128Mi", "ephemeral-storage": "1Gi" } });
    expect((main.livenessProbe as { httpGet: { port: unknown } }).httpGet.port).toBe("http");
    expect((main.startupProbe as { tcpSocket: { port: unknown } }).tcpSocket.port).toBe(8080);
  });

  it("create token: a TokenRequest with audiences and expirationSeconds", () => {
    expect(decodeProtobufObject(fixture("token").body).spec).toEqual({ audiences: ["api"], expirationSeconds: 3600, boundObjectRef: null });
  });
});
