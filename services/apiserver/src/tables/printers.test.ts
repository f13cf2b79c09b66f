import { describe, expect, it } from "vitest";
import { RESOURCES } from "@flotilla/api";
import type { KubeObject } from "@flotilla/api";
import { buildTable, tableColumns, tableRow } from "./printers.ts";
import * as S from "./sample-objects.ts";

const row = (resource: string, obj: KubeObject) => tableRow(resource, obj, S.SAMPLE_NOW);
const names = (resource: string) => tableColumns(resource).map((c) => `${c.name}${c.priority ? "*" : ""}`);

describe("column sets match kubectl's (* = wide)", () => {
  it.each([
    ["nodes", ["Name", "Status", "Roles", "Age", "Version", "Internal-IP*", "External-IP*", "OS-Image*", "Kernel-Version*", "Container-Runtime*"]],
    ["namespaces", ["Name", "Status", "Age"]],
    ["services", ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector*"]],
    ["endpoints", ["Name", "Endpoints", "Age"]],
    ["events", ["Last Seen", "Type", "Reason", "Object", "Subobject*", "Source*", "Message", "First Seen*", "Count*", "Name*"]],
    ["serviceaccounts", ["Name", "Secrets", "Age"]],
    ["secrets", ["Name", "Type", "Data", "Age"]],
    ["configmaps", ["Name", "Data", "Age"]],
    ["deployments", ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers*", "Images*", "Selector*"]],
    ["replicasets", ["Name", "Desired", "Current", "Ready", "Age", "Containers*", "Images*", "Selector*"]],
    ["daemonsets", ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers*", "Images*", "Selector*"]],
    ["controllerrevisions", ["Name", "Controller", "Revision", "Age"]],
    ["jobs", ["Name", "Status", "Completions", "Duration", "Age", "Containers*", "Images*", "Selector*"]],
    ["leases", ["Name", "Holder", "Age"]],
    ["endpointslices", ["Name", "AddressType", "Ports", "Endpoints", "Age"]],
    ["runtimeclasses", ["Name", "Handler", "Age"]],
    ["widgets", ["Name", "Age"]],
  ])("%s", (resource, expected) => {
    expect(names(resource)).toEqual(expected);
  });

  it("every registry resource has exactly one name column and one cell per column", () => {
    for (const info of RESOURCES) {
      const cols = tableColumns(info.resource);
      expect(cols.filter((c) => c.format === "name"), info.resource).toHaveLength(1);
      expect(row(info.resource, { metadata: { name: "x" } }), info.resource).toHaveLength(cols.length);
    }
  });

  it("accepts a group-qualified resource", () => {
    expect(tableColumns("deployments.apps")).toEqual(tableColumns("deployments"));
  });
});

describe("rows", () => {
  it("nodes: Ready with roles; NotReady,SchedulingDisabled; Unknown without conditions", () => {
    expect(row("nodes", S.NODES[0]!)).toEqual(["pi-1", "Ready", "control-plane,master", "30d", "v1.32.0-flotilla", "192.168.1.10", "<none>", "Debian GNU/Linux 12 (bookworm)", "6.6.31+rpt-rpi-v8", "containerd://1.7.20"]);
    expect(row("nodes", S.NODES[1]!)).toEqual(["pi-2", "NotReady,SchedulingDisabled", "worker", "7h5m", "v1.32.0-flotilla", "192.168.1.11", "203.0.113.5", "<unknown>", "<unknown>", "<unknown>"]);
    expect(row("nodes", S.NODES[2]!).slice(0, 5)).toEqual(["vm-new", "Unknown", "<none>", "20s", ""]);
  });

  it("services of every type", () => {
    const byName = Object.fromEntries(S.SERVICES.map((s) => [s.metadata.name, row("services", s)]));
    expect(byName.kubernetes).toEqual(["kubernetes", "ClusterIP", "10.43.0.1", "<none>", "443/TCP", "30d", "<none>"]);
    expect(byName.web).toEqual(["web", "NodePort", "10.43.12.7", "<none>", "80:30080/TCP,53:30053/UDP", "2d", "app=web,tier=frontend"]);
    expect(byName["lb-pending"]!.slice(1, 5)).toEqual(["LoadBalancer", "10.43.9.9", "<pending>", "443:31443/TCP"]);
    expect(byName.lb![3]).toBe("192.168.1.240,lb.example.com,198.51.100.4");
    expect(byName.ext!.slice(1, 5)).toEqual(["ExternalName", "<none>", "db.example.com", "<none>"]);
    expect(byName.headless!.slice(1, 5)).toEqual(["ClusterIP", "None", "<none>", "<none>"]);
  });

  it("namespaces show their phase", () => {
    const ns: KubeObject = { metadata: { name: "kube-system", creationTimestamp: S.ago(30 * S.DAY) }, status: { phase: "Active" } };
    expect(row("namespaces", ns)).toEqual(["kube-system", "Active", "30d"]);
  });

  it("deployments: ready/desired, selector with expressions, containers and images", () => {
    expect(row("deployments", S.DEPLOYMENT)).toEqual(["web", "2/3", 3, 2, "2d5h", "nginx,log", "nginx:1.27,fluent-bit:3", "app=web,tier in (edge,frontend)"]);
  });

  it("replicasets and daemonsets", () => {
    expect(row("replicasets", S.REPLICASET)).toEqual(["web-7d4b9c", 3, 3, 2, "2d", "nginx", "nginx:1.27", "app=web,pod-template-hash=7d4b9c"]);
    expect(row("daemonsets", S.DAEMONSET)).toEqual(["node-exporter", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "6d", "exporter", "prom/node-exporter:v1.8", "app=node-exporter"]);
  });

  it("controllerrevisions: the controller as kind.group/name, the revision number", () => {
    const cr: KubeObject = { metadata: { name: "agent-5c9d", ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "u", controller: true }] }, revision: 3 };
    expect(row("controllerrevisions", cr).slice(0, 3)).toEqual(["agent-5c9d", "daemonset.apps/agent", 3]);
    expect(row("controllerrevisions", { metadata: { name: "orphan" }, revision: 1 }).slice(1, 3)).toEqual(["<none>", 1]);
  });

  it("jobs: Complete with its duration, Running with parallelism, Failed", () => {
    expect(row("jobs", S.JOBS[0]!).slice(0, 5)).toEqual(["backup", "Complete", "1/1", "47s", "60m"]);
    expect(row("jobs", S.JOBS[1]!).slice(0, 5)).toEqual(["crunch", "Running", "1/1 of 4", "20m", "20m"]);
    expect(row("jobs", S.JOBS[2]!).slice(0, 4)).toEqual(["flaky", "Failed", "2/5", "3h"]);
    expect(row("jobs", { metadata: { name: "new" }, spec: {} }).slice(1, 4)).toEqual(["Running", "0/1", ""]);
  });

  it("events: last seen, object, trimmed message; wide source, first seen, count, name", () => {
    expect(row("events", S.EVENT)).toEqual([
      "90s",
      "Warning",
      "BackOff",
      "pod/api-5f6c-abcde",
      "spec.containers{api}",
      "kubelet, pi-2",
      "Back-off restarting failed container api in pod api-5f6c-abcde_default(uid-api)",
      "120m",
      27,
      "api-5f6c-abcde.17c8f2a1b3",
    ]);
  });

  it("events of the newer API: eventTime, series and reporting controller", () => {
    const ev: KubeObject = {
      metadata: { name: "e2" },
      involvedObject: { kind: "Node", name: "pi-1" },
      reason: "Starting",
      type: "Normal",
      eventTime: "2024-05-01T11:59:00.000000Z",
      reportingComponent: "flotilla-kubelet",
      series: { count: 4, lastObservedTime: "2024-05-01T11:59:50.000000Z" },
    };
    const cells = row("events", ev);
    expect([cells[0], cells[3], cells[5], cells[7], cells[8]]).toEqual(["10s", "node/pi-1", "flotilla-kubelet", "60s", 4]);
  });

  it("endpoints: ip:port pairs, at most three, then a count", () => {
    const ep: KubeObject = {
      metadata: { name: "web" },
      subsets: [{ addresses: [{ ip: "10.42.0.7" }, { ip: "10.42.1.3" }, { ip: "fd00::7" }, { ip: "10.42.2.2" }], ports: [{ port: 80 }] }],
    };
    expect(row("endpoints", ep)[1]).toBe("10.42.0.7:80,10.42.1.3:80,[fd00::7]:80 + 1 more...");
    expect(row("endpoints", { metadata: { name: "none" } })[1]).toBe("<none>");
    expect(row("endpoints", { metadata: { name: "headless" }, subsets: [{ addresses: [{ ip: "10.0.0.1" }] }] })[1]).toBe("10.0.0.1");
  });

  it("secrets, configmaps, service accounts count their keys", () => {
    expect(row("secrets", { metadata: { name: "s" }, type: "Opaque", data: { a: "eA==", b: "eQ==" } }).slice(0, 3)).toEqual(["s", "Opaque", 2]);
    expect(row("configmaps", { metadata: { name: "c" }, data: { a: "1" }, binaryData: { b: "AA==" } })[1]).toBe(2);
    expect(row("serviceaccounts", { metadata: { name: "default" } })[1]).toBe(0);
  });

  it("leases, endpoint slices, runtime classes", () => {
    expect(row("leases", { metadata: { name: "pi-1" }, spec: { holderIdentity: "pi-1" } })[1]).toBe("pi-1");
    const slice: KubeObject = { metadata: { name: "web-abc" }, addressType: "IPv4", ports: [{ port: 80 }, { name: "metrics" }], endpoints: [{ addresses: ["10.42.0.7"] }] };
    expect(row("endpointslices", slice).slice(1, 4)).toEqual(["IPv4", "80,metrics", "10.42.0.7"]);
    expect(row("endpointslices", { metadata: { name: "empty" }, addressType: "IPv4" }).slice(2, 4)).toEqual(["<unset>", "<unset>"]);
    expect(row("runtimeclasses", { metadata: { name: "gvisor" }, handler: "runsc" })[1]).toBe("runsc");
  });
});

describe("buildTable", () => {
  const pods = [S.RUNNING_POD, S.COMPLETED_POD];

  it("is a meta.k8s.io/v1 Table with PartialObjectMetadata rows by default", () => {
    const t = buildTable({ resource: "pods", objects: pods, now: S.SAMPLE_NOW, resourceVersion: "812" });
    expect(t.kind).toBe("Table");
    expect(t.apiVersion).toBe("meta.k8s.io/v1");
    expect(t.metadata).toEqual({ resourceVersion: "812" });
    expect(t.columnDefinitions).toHaveLength(9);
    expect(t.rows[0]!.object).toEqual({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: S.RUNNING_POD.metadata });
    expect(t.rows[0]!.conditions).toBeUndefined();
    expect(t.rows[1]!.conditions).toEqual([expect.objectContaining({ type: "Completed", status: "True", reason: "Succeeded" })]);
  });

  it("embeds whole objects or nothing on request, and carries the continue token", () => {
    const full = buildTable({ resource: "pods", objects: pods, now: S.SAMPLE_NOW, resourceVersion: "1", includeObject: "Object", continue: "tok" });
    expect(full.rows[0]!.object).toBe(S.RUNNING_POD);
    expect(full.metadata).toEqual({ resourceVersion: "1", continue: "tok" });
    const none = buildTable({ resource: "pods", objects: pods, now: S.SAMPLE_NOW, resourceVersion: "1", includeObject: "None" });
    expect("object" in none.rows[0]!).toBe(false);
  });

  it("has columns even for an empty list, and none for a header-less watch event", () => {
    expect(buildTable({ resource: "nodes", objects: [], now: S.SAMPLE_NOW, resourceVersion: "1" }).columnDefinitions).toHaveLength(10);
    expect(buildTable({ resource: "nodes", objects: S.NODES, now: S.SAMPLE_NOW, resourceVersion: "1", noHeaders: true }).columnDefinitions).toEqual([]);
  });

  it("survives a JSON round trip unchanged (what goes on the wire)", () => {
    const t = buildTable({ resource: "deployments", objects: [S.DEPLOYMENT], now: S.SAMPLE_NOW, resourceVersion: "9" });
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });
});
