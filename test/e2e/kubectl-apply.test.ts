/**
 * The foundation as a new user meets it: the real kubectl against `flotilla server`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { kubectl, kubectlOk, startFlotillaServer, type FlotillaServer } from "../support/flotilla.ts";

const manifest = readFileSync(join(import.meta.dirname, "manifests/web.yaml"), "utf8");
let srv: FlotillaServer;

beforeAll(async () => {
  srv = await startFlotillaServer();
});
afterAll(async () => {
  // The node agent leaves pods' containers running when it stops (workloads outlive
  // their agent), so the Deployment goes first, with its pods, or its sandbox stays behind.
  if (srv) kubectl(srv, ["delete", "deployment", "web", "--ignore-not-found", "--cascade=foreground", "--wait", "--timeout=30s"]);
  await srv?.stop();
});

describe("kubectl against a fresh cluster", () => {
  it("get ns lists the four default namespaces", () => {
    const out = kubectlOk(srv, ["get", "ns"]);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) expect(out).toMatch(new RegExp(`^${ns}\\s+Active\\s+`, "m"));
    expect(out).toMatch(/^NAME\s+STATUS\s+AGE/);
  });

  it("apply creates, re-apply is unchanged, an image change is configured and stored", () => {
    const first = kubectlOk(srv, ["apply", "-f", "-"], manifest);
    expect(first).toContain("deployment.apps/web created");
    expect(first).toContain("service/web created");
    expect(first).toContain("configmap/web-config created");
    const again = kubectlOk(srv, ["apply", "-f", "-"], manifest);
    expect(again).toContain("deployment.apps/web unchanged");
    expect(again).toContain("service/web unchanged");
    expect(again).toContain("configmap/web-config unchanged");
    const changed = kubectlOk(srv, ["apply", "-f", "-"], manifest.replace("nginx:1.27", "nginx:1.28"));
    expect(changed).toContain("deployment.apps/web configured");
    expect(changed).toContain("service/web unchanged");
    expect(kubectlOk(srv, ["get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}"])).toBe("nginx:1.28 2");
  });

  it("get -o wide shows Kubernetes' columns for deployments, services and configmaps", () => {
    const out = kubectlOk(srv, ["get", "deploy,svc,cm", "-o", "wide"]);
    expect(out).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
    // nginx:1.28 cannot be pulled here (no registry): its pods are created (UP-TO-DATE) but never ready.
    expect(out).toMatch(/deployment\.apps\/web\s+0\/2\s+[0-2]\s+0\s+\S+\s+web\s+nginx:1\.28\s+app=web/);
    expect(out).toMatch(/NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR/);
    expect(out).toMatch(/service\/web\s+ClusterIP\s+\S+\s+<none>\s+80\/TCP/);
    expect(out).toMatch(/configmap\/web-config\s+2\s+/);
  });

  it("get all -A lists the deployment and service with their namespace", () => {
    const out = kubectlOk(srv, ["get", "all", "-A"]);
    expect(out).toMatch(/^default\s+service\/web\s+ClusterIP/m);
    expect(out).toMatch(/^default\s+deployment\.apps\/web\s+0\/2/m);
  });

  it("apply --server-side creates and updates, recording the field manager", () => {
    const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: \"1\"\n";
    expect(kubectlOk(srv, ["apply", "--server-side", "-f", "-"], cm)).toContain("configmap/ssa serverside-applied");
    expect(kubectlOk(srv, ["apply", "--server-side", "-f", "-"], cm.replace('"1"', '"2"'))).toContain("configmap/ssa serverside-applied");
    const obj = JSON.parse(kubectlOk(srv, ["get", "cm", "ssa", "-o", "json", "--show-managed-fields"])) as { data: Record<string, string>; metadata: { managedFields: { manager: string; operation: string }[] } };
    expect(obj.data).toEqual({ a: "2" });
    expect(obj.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: "kubectl", operation: "Apply" }));
  });

  it("create namespace (a protobuf body from kubectl 1.32) works", () => {
    expect(kubectlOk(srv, ["create", "namespace", "x"])).toContain("namespace/x created");
    expect(kubectlOk(srv, ["get", "ns", "x", "-o", "jsonpath={.status.phase}"])).toBe("Active");
  });

  it("scale, patch (merge, json, strategic) and label change the stored object", () => {
    expect(kubectlOk(srv, ["scale", "deploy/web", "--replicas=5"])).toContain("deployment.apps/web scaled");
    expect(kubectlOk(srv, ["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"])).toBe("5");
    kubectlOk(srv, ["patch", "deploy", "web", "--type=merge", "-p", '{"spec":{"replicas":3}}']);
    kubectlOk(srv, ["patch", "deploy", "web", "--type=json", "-p", '[{"op":"add","path":"/spec/minReadySeconds","value":7},{"op":"test","path":"/spec/replicas","value":3}]']);
    kubectlOk(srv, ["patch", "deploy", "web", "--type=strategic", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"EXTRA","value":"1"}]}]}}}}']);
    kubectlOk(srv, ["label", "deploy", "web", "tier=front"]);
    const d = JSON.parse(kubectlOk(srv, ["get", "deploy", "web", "-o", "json"])) as { spec: { replicas: number; minReadySeconds: number; template: { spec: { containers: { image: string; env: { name: string }[] }[] } } }; metadata: { labels: Record<string, string> } };
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.minReadySeconds).toBe(7);
    // Strategic merge: the env entry is merged by name (as in Kubernetes, a new entry
    // without $setElementOrder goes first), the image untouched.
    expect(d.spec.template.spec.containers[0]!.env.map((e) => e.name)).toEqual(["EXTRA", "MODE"]);
    expect(d.spec.template.spec.containers[0]!.image).toBe("nginx:1.28");
    expect(d.metadata.labels).toEqual({ app: "web", tier: "front" });
  });

  it("-o yaml shows a resourceVersion equal to the KV revision, and the KV value is the JSON object", async () => {
    const rv = kubectlOk(srv, ["get", "cm", "web-config", "-o", "jsonpath={.metadata.resourceVersion}"]);
    const nc = await connect({ servers: srv.natsUrl });
    try {
      const kv = await new Kvm(nc).open("flotilla");
      const e = await kv.get("configmaps.default.web-config");
      expect(String(e!.revision)).toBe(rv);
      expect((e!.json() as { data: Record<string, string> }).data).toEqual({ greeting: "hello", mode: "demo" });
    } finally {
      await nc.close();
    }
  });

  it("delete -f removes everything the manifest made", () => {
    const out = kubectlOk(srv, ["delete", "-f", "-"], manifest);
    expect(out).toContain('deployment.apps "web" deleted');
    expect(out).toContain('configmap "web-config" deleted');
    const r = kubectl(srv, ["get", "deploy", "web"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('deployments.apps "web" not found');
  });
});
