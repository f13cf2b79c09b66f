import { describe, expect, it } from "vitest";
import type { KubeObject } from "@flotilla/api";
import { tableColumns, tableRow } from "./printers.ts";
import * as S from "./sample-objects.ts";

const row = (pod: KubeObject) => tableRow("pods", pod, S.SAMPLE_NOW);

describe("pods table", () => {
  it("has kubectl's columns, wide ones at priority 1", () => {
    const cols = tableColumns("pods");
    expect(cols.map((c) => c.name)).toEqual(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"]);
    expect(cols.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(["IP", "Node", "Nominated Node", "Readiness Gates"]);
    expect(cols[0]!.format).toBe("name");
  });

  it("a running, ready pod", () => {
    expect(row(S.RUNNING_POD)).toEqual(["web-7d4b9c-x2x9k", "1/1", "Running", "0", "2d5h", "10.42.0.7", "pi-1", "<none>", "<none>"]);
  });

  it("CrashLoopBackOff with restarts and how long ago the last one was", () => {
    expect(row(S.CRASHLOOP_POD).slice(1, 6)).toEqual(["0/1", "CrashLoopBackOff", "5 (5m ago)", "3h", "10.42.1.3"]);
  });

  it("ContainerCreating while images pull", () => {
    expect(row(S.CREATING_POD).slice(1, 5)).toEqual(["0/2", "ContainerCreating", "0", "45s"]);
  });

  it("Completed and Error from the terminated reason", () => {
    expect(row(S.COMPLETED_POD)[2]).toBe("Completed");
    expect(row(S.COMPLETED_POD)[4]).toBe("400d");
    expect(row(S.ERROR_POD)[2]).toBe("Error");
  });

  it("ExitCode and Signal when a container terminated without a reason", () => {
    const pod = structuredClone(S.ERROR_POD);
    (pod.status as { containerStatuses: { state: unknown }[] }).containerStatuses[0]!.state = { terminated: { exitCode: 3 } };
    expect(row(pod)[2]).toBe("ExitCode:3");
    (pod.status as { containerStatuses: { state: unknown }[] }).containerStatuses[0]!.state = { terminated: { exitCode: 137, signal: 9 } };
    expect(row(pod)[2]).toBe("Signal:9");
  });

  it("Terminating once deletionTimestamp is set, unless the pod already finished", () => {
    expect(row(S.TERMINATING_POD)[2]).toBe("Terminating");
    const done = { ...S.COMPLETED_POD, metadata: { ...S.COMPLETED_POD.metadata, deletionTimestamp: S.ago(1000) } };
    expect(row(done)[2]).toBe("Completed");
  });

  it("Unknown when a deleted pod's node was lost", () => {
    const lost = structuredClone(S.TERMINATING_POD);
    (lost.status as { reason?: string }).reason = "NodeLost";
    expect(row(lost)[2]).toBe("Unknown");
  });

  it("Init:x/y while init containers run, Init:<reason> when one fails", () => {
    expect(row(S.INIT_POD).slice(1, 4)).toEqual(["0/1", "Init:0/2", "0"]);
    const failing = structuredClone(S.INIT_POD);
    const init = (failing.status as { initContainerStatuses: Record<string, unknown>[] }).initContainerStatuses;
    init[0]!.state = { terminated: { exitCode: 0, reason: "Completed" } };
    init[1]!.state = { waiting: { reason: "CrashLoopBackOff" } };
    init[1]!.restartCount = 4;
    expect(row(failing).slice(2, 4)).toEqual(["Init:CrashLoopBackOff", "4"]);
  });

  it("counts a started sidecar as a container, and shows readiness gates and nominated node", () => {
    expect(row(S.SIDECAR_POD)).toEqual(["with-sidecar", "2/2", "Running", "1 (15m ago)", "20m", "fd00::7", "pi-1", "pi-9", "0/1"]);
  });

  it("Pending with no node and no IP", () => {
    expect(row(S.PENDING_POD)).toEqual(["unschedulable", "0/1", "Pending", "0", "5m30s", "<none>", "<none>", "<none>", "<none>"]);
  });

  it("SchedulingGated from the PodScheduled condition", () => {
    const gated = structuredClone(S.PENDING_POD);
    (gated.status as { conditions: unknown[] }).conditions = [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }];
    expect(row(gated)[2]).toBe("SchedulingGated");
  });

  it("NotReady when a container completed while another still runs without Ready", () => {
    const pod: KubeObject = {
      metadata: { name: "mixed", creationTimestamp: S.ago(S.MIN) },
      spec: { containers: [{ name: "a" }, { name: "b" }] },
      status: {
        phase: "Running",
        containerStatuses: [
          { name: "a", ready: true, state: { running: {} } },
          { name: "b", ready: false, state: { terminated: { exitCode: 0, reason: "Completed" } } },
        ],
      },
    };
    expect(row(pod).slice(1, 3)).toEqual(["1/2", "NotReady"]);
  });

  it("a pod with no status at all", () => {
    expect(row({ metadata: { name: "bare" } })).toEqual(["bare", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"]);
  });
});
