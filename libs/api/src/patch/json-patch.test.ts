import { describe, expect, it } from "vitest";
import { BadRequestError } from "../errors.ts";
import { applyJsonPatch } from "./json-patch.ts";

const deployment = () => ({
  metadata: { name: "web", annotations: { "deployment.kubernetes.io/revision": "2" } },
  spec: { replicas: 3, template: { spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } },
});

describe("applyJsonPatch", () => {
  it.each([
    ["add a field", [{ op: "add", path: "/metadata/labels", value: { app: "web" } }], (d: ReturnType<typeof deployment>) => ({ ...d, metadata: { ...d.metadata, labels: { app: "web" } } })],
    ["replace a field", [{ op: "replace", path: "/spec/replicas", value: 5 }], (d: ReturnType<typeof deployment>) => ({ ...d, spec: { ...d.spec, replicas: 5 } })],
    ["remove a field", [{ op: "remove", path: "/metadata/annotations" }], (d: ReturnType<typeof deployment>) => ({ ...d, metadata: { name: "web" } })],
    [
      "add to the end of a list",
      [{ op: "add", path: "/spec/template/spec/containers/-", value: { name: "log", image: "busybox" } }],
      (d: ReturnType<typeof deployment>) => ({ ...d, spec: { ...d.spec, template: { spec: { containers: [...d.spec.template.spec.containers, { name: "log", image: "busybox" }] } } } }),
    ],
    [
      "pass a test, then replace",
      [
        { op: "test", path: "/spec/replicas", value: 3 },
        { op: "replace", path: "/spec/replicas", value: 1 },
      ],
      (d: ReturnType<typeof deployment>) => ({ ...d, spec: { ...d.spec, replicas: 1 } }),
    ],
    ["move a field", [{ op: "move", from: "/spec/replicas", path: "/metadata/replicas" }], (d: ReturnType<typeof deployment>) => ({ metadata: { ...d.metadata, replicas: 3 }, spec: { template: d.spec.template } })],
  ])("json-patch: %s", (_name, ops, want) => {
    expect(applyJsonPatch(deployment(), ops)).toEqual(want(deployment()));
  });

  it("json-patch: rollout undo's patch replaces the template and annotations", () => {
    const template = { metadata: { creationTimestamp: null, labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.25", resources: {} }] } };
    const ops = [
      { op: "replace", path: "/spec/template", value: template },
      { op: "replace", path: "/metadata/annotations", value: { "deployment.kubernetes.io/revision": "1" } },
    ];
    const out = applyJsonPatch(deployment(), ops) as ReturnType<typeof deployment>;
    expect(out.spec.template).toEqual(template);
    expect(out.metadata.annotations).toEqual({ "deployment.kubernetes.io/revision": "1" });
  });

  it.each([
    ["a failed test", [{ op: "test", path: "/spec/replicas", value: 4 }], "testing value /spec/replicas failed"],
    ["a body that is not a list", { op: "add", path: "/a", value: 1 }, "must be an array of operations"],
    ["an unknown op", [{ op: "frobnicate", path: "/a" }], "JSON patch operation 0: unknown op \"frobnicate\""],
    ["fast-json-patch's private _get op", [{ op: "_get", path: "/spec" }], "unknown op \"_get\""],
    ["an op without a path", [{ op: "remove" }], "remove needs a string \"path\""],
    ["a relative path", [{ op: "remove", path: "spec" }], "must be empty or start with \"/\""],
    ["add without a value", [{ op: "add", path: "/a" }], "add /a needs a \"value\""],
    ["copy without from", [{ op: "copy", path: "/a" }], "copy /a needs a string \"from\""],
    ["removing a missing field", [{ op: "remove", path: "/spec/paused" }], "remove /spec/paused: the path does not exist"],
    ["replacing a missing field", [{ op: "replace", path: "/status/replicas", value: 1 }], "replace /status/replicas"],
    ["adding under a missing parent", [{ op: "add", path: "/status/x/y", value: 1 }], "add /status/x/y: the parent of the path does not exist"],
    ["a list index past the end", [{ op: "add", path: "/spec/template/spec/containers/5", value: {} }], "bad array index"],
    ["a prototype path", [{ op: "add", path: "/__proto__/polluted", value: 1 }], "the server rejected our request"],
  ])("json-patch: %s is a 400", (_name, ops, message) => {
    const err = (() => {
      try {
        applyJsonPatch(deployment(), ops);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).code).toBe(400);
    expect((err as Error).message).toContain(message);
  });

  it("json-patch: a failed test leaves nothing half applied and the input untouched", () => {
    const target = deployment();
    const ops = [
      { op: "replace", path: "/spec/replicas", value: 9 },
      { op: "test", path: "/metadata/name", value: "other" },
    ];
    expect(() => applyJsonPatch(target, ops)).toThrow(BadRequestError);
    expect(target).toEqual(deployment());
  });

  it("json-patch: leaves both inputs untouched and shares nothing with them", () => {
    const target = deployment();
    const value = { app: "web", tier: ["front"] };
    const ops = [{ op: "add", path: "/metadata/labels", value }];
    const out = applyJsonPatch(target, ops) as { metadata: { labels: { tier: string[] } }; spec: { replicas: number } };
    out.metadata.labels.tier.push("back");
    out.spec.replicas = 0;
    expect(target).toEqual(deployment());
    expect(value).toEqual({ app: "web", tier: ["front"] });
  });
});
