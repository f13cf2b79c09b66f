import { describe, expect, it } from "vitest";
import type { PodObject } from "@flotilla/api";
import { podPhase, podStatus, type ContainerView } from "./pod-status.ts";
import type { RuntimeContainer } from "./runtime/types.ts";

const T0 = "2026-11-22T01:00:00Z";
const T1 = "2026-11-22T01:00:05Z";
const POD = { uid: "u1", namespace: "default", name: "web" };

function running(name: string, attempt = 0): RuntimeContainer {
  return { id: `process://u1/${name}/${attempt}`, pod: POD, containerName: name, attempt, status: { state: "running", startedAt: T0 } };
}
function exited(name: string, exitCode: number, attempt = 0): RuntimeContainer {
  return { id: `process://u1/${name}/${attempt}`, pod: POD, containerName: name, attempt, status: { state: "exited", startedAt: T0, finishedAt: T1, exitCode, reason: exitCode === 0 ? "Completed" : "Error" } };
}
function view(name: string, current?: RuntimeContainer, extra: Partial<ContainerView> = {}): ContainerView {
  return { name, image: "img", current, restartCount: 0, ready: current?.status.state === "running", started: current?.status.state === "running", ...extra };
}
function pod(restartPolicy = "Always"): PodObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default", uid: "u1" }, spec: { restartPolicy, containers: [{ name: "a", image: "img" }] }, status: { conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: T0 }] } } as PodObject;
}

describe("pod phase", () => {
  const cases: [string, string, ContainerView[], string][] = [
    ["nothing started yet is Pending", "Always", [view("a")], "Pending"],
    ["a running container makes it Running", "Always", [view("a", running("a"))], "Running"],
    ["Always: an exited container is still Running (it restarts)", "Always", [view("a", exited("a", 0))], "Running"],
    ["Never: all exited 0 is Succeeded", "Never", [view("a", exited("a", 0)), view("b", exited("b", 0))], "Succeeded"],
    ["Never: one failure is Failed", "Never", [view("a", exited("a", 0)), view("b", exited("b", 2))], "Failed"],
    ["OnFailure: a failed container restarts, so Running", "OnFailure", [view("a", exited("a", 1))], "Running"],
    ["OnFailure: all exited 0 is Succeeded", "OnFailure", [view("a", exited("a", 0))], "Succeeded"],
    ["Never: one still running is Running", "Never", [view("a", exited("a", 0)), view("b", running("b"))], "Running"],
  ];
  for (const [name, policy, main, phase] of cases) {
    it(`kubelet: ${name}`, () => expect(podPhase(policy, [], main)).toBe(phase));
  }

  it("kubelet: an unfinished init container keeps the pod Pending; a failed one under Never fails it", () => {
    expect(podPhase("Always", [view("init", running("init"))], [view("a")])).toBe("Pending");
    expect(podPhase("Never", [view("init", exited("init", 1))], [view("a")])).toBe("Failed");
    expect(podPhase("Always", [view("init", exited("init", 0))], [view("a", running("a"))])).toBe("Running");
  });
});

describe("pod status", () => {
  it("kubelet: a ready running pod has Ready conditions, its IPs and container state", () => {
    const s = podStatus({ pod: pod(), hostIp: "10.0.0.5", podIp: "10.0.0.5", initContainers: [], containers: [view("a", running("a"))], startTime: T0, now: T1 });
    expect(s.phase).toBe("Running");
    expect(s.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(["PodScheduled=True", "Initialized=True", "ContainersReady=True", "Ready=True"]);
    expect(s.podIP).toBe("10.0.0.5");
    expect(s.containerStatuses?.[0]).toMatchObject({ name: "a", ready: true, restartCount: 0, started: true, state: { running: { startedAt: T0 } }, containerID: "process://u1/a/0" });
  });

  it("kubelet: CrashLoopBackOff shows as waiting with the last termination in lastState", () => {
    const v = view("a", exited("a", 1, 2), { restartCount: 2, waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container=a" }, ready: false });
    const s = podStatus({ pod: pod(), hostIp: "10.0.0.5", podIp: "10.0.0.5", initContainers: [], containers: [v], startTime: T0, now: T1 });
    const cs = s.containerStatuses![0]!;
    expect(cs.state?.waiting?.reason).toBe("CrashLoopBackOff");
    expect(cs.lastState?.terminated?.exitCode).toBe(1);
    expect(cs.restartCount).toBe(2);
    const ready = s.conditions!.find((c) => c.type === "Ready")!;
    expect(ready).toMatchObject({ status: "False", reason: "ContainersNotReady", message: "containers with unready status: [a]" });
  });

  it("kubelet: a condition keeps its transition time while its status does not change", () => {
    const p = pod();
    p.status!.conditions!.push({ type: "Ready", status: "True", lastTransitionTime: T0 });
    const s = podStatus({ pod: p, hostIp: "h", podIp: "h", initContainers: [], containers: [view("a", running("a"))], startTime: T0, now: T1 });
    expect(s.conditions!.find((c) => c.type === "Ready")!.lastTransitionTime).toBe(T0);
    expect(s.conditions!.find((c) => c.type === "Initialized")!.lastTransitionTime).toBe(T1);
  });

  it("kubelet: a completed pod is not Ready, with reason PodCompleted", () => {
    const s = podStatus({ pod: pod("Never"), hostIp: "h", podIp: "h", initContainers: [], containers: [view("a", exited("a", 0))], startTime: T0, now: T1 });
    expect(s.phase).toBe("Succeeded");
    expect(s.conditions!.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "PodCompleted" });
    expect(s.containerStatuses![0]!.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
  });
});
