import { describe, expect, it } from "vitest";
import { allNodesSubject, nodeOfSubject, nodeSubject, NodeChannel } from "./node-subjects.ts";

describe("node subjects", () => {
  it("bus: a node name with dots maps to one subject token and back", () => {
    const s = nodeSubject("flotilla", "pi-1.lab.example", NodeChannel.Heartbeat);
    expect(s).toBe("flotilla.node.pi-1_lab_example.heartbeat");
    expect(nodeOfSubject("flotilla", s)).toBe("pi-1.lab.example");
    expect(allNodesSubject("flotilla", NodeChannel.Heartbeat)).toBe("flotilla.node.*.heartbeat");
    expect(nodeOfSubject("flotilla", "flotilla.api.get.pods")).toBeUndefined();
  });
});
