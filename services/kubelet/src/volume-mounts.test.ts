import type { ContainerObject } from "@flotilla/api";
import { describe, expect, it } from "vitest";
import { planMounts, type VolumeHost } from "./volume-mounts.ts";

const volumes = new Map<string, VolumeHost>([
  ["data", { hostPath: "/k/pods/u/volumes/kubernetes.io~empty-dir/data", apiData: false }],
  ["conf", { hostPath: "/k/pods/u/volumes/kubernetes.io~configmap/conf", apiData: true }],
  ["host", { hostPath: "/srv/shared", apiData: false }],
  ["kube-api-access-x1y2z", { hostPath: "/k/pods/u/volumes/kubernetes.io~projected/kube-api-access-x1y2z", apiData: true }],
]);

const container = (volumeMounts: ContainerObject["volumeMounts"]): ContainerObject => ({ name: "app", image: "x", volumeMounts });

describe("volume mounts", () => {
  it("mounts: each volumeMount becomes a bind of its volume; API-data volumes are always read-only", () => {
    const c = container([
      { name: "data", mountPath: "/data" },
      { name: "host", mountPath: "/srv", readOnly: true },
      { name: "conf", mountPath: "/etc/app" },
      { name: "kube-api-access-x1y2z", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
    ]);
    expect(planMounts(c, volumes, {})).toEqual([
      { volume: "data", volumePath: "/k/pods/u/volumes/kubernetes.io~empty-dir/data", containerPath: "/data", readOnly: false, createSubPath: true },
      { volume: "host", volumePath: "/srv/shared", containerPath: "/srv", readOnly: true, createSubPath: true },
      { volume: "conf", volumePath: "/k/pods/u/volumes/kubernetes.io~configmap/conf", containerPath: "/etc/app", readOnly: true, createSubPath: false },
      { volume: "kube-api-access-x1y2z", volumePath: "/k/pods/u/volumes/kubernetes.io~projected/kube-api-access-x1y2z", containerPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true, createSubPath: false },
    ]);
  });

  it("mounts: subPath and subPathExpr (expanded from the container's env) select a path inside the volume", () => {
    const c = container([
      { name: "conf", mountPath: "/etc/app.conf", subPath: "app.conf" },
      { name: "data", mountPath: "/logs", subPathExpr: "logs/$(POD_NAME)" },
    ]);
    const plans = planMounts(c, volumes, { POD_NAME: "web-1" });
    expect(plans.map((p) => [p.containerPath, p.subPath, p.createSubPath])).toEqual([
      ["/etc/app.conf", "app.conf", false],
      ["/logs", "logs/web-1", true],
    ]);
  });

  it("mounts: an unknown volume or a relative mountPath is a config error; skipped volumes are left out", () => {
    expect(() => planMounts(container([{ name: "nope", mountPath: "/x" }]), volumes, {})).toThrow('cannot find volume "nope" to mount into container "app"');
    expect(() => planMounts(container([{ name: "data", mountPath: "rel" }]), volumes, {})).toThrow("must be absolute");
    const c = container([{ name: "kube-api-access-x1y2z", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }, { name: "data", mountPath: "/d" }]);
    expect(planMounts(c, volumes, {}, new Set(["kube-api-access-x1y2z"])).map((p) => p.volume)).toEqual(["data"]);
  });
});
