import { describe, expect, it } from "vitest";
import type { KubeObject } from "@flotilla/api";
import { admitDefaultTolerations } from "./default-tolerations.ts";

const pod = (tolerations?: object[]): KubeObject => ({ metadata: { name: "p" }, spec: { containers: [], ...(tolerations ? { tolerations } : {}) } });

describe("default tolerations", () => {
  it("apiserver: a pod tolerates not-ready and unreachable for 300 s by default", () => {
    const p = pod();
    admitDefaultTolerations(p);
    expect((p["spec"] as { tolerations: unknown[] }).tolerations).toEqual([
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    ]);
  });

  it("apiserver: a pod's own toleration for a taint, or a tolerate-all, is kept and not doubled", () => {
    const own = { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 };
    const p = pod([own]);
    admitDefaultTolerations(p);
    expect((p["spec"] as { tolerations: { key: string }[] }).tolerations.map((t) => t.key)).toEqual(["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"]);
    const all = pod([{ operator: "Exists" }]);
    admitDefaultTolerations(all);
    expect((all["spec"] as { tolerations: unknown[] }).tolerations).toHaveLength(1);
  });
});
