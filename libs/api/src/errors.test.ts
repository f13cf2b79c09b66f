import { describe, expect, it } from "vitest";
import { ConflictError, InvalidError, NotFoundError, errorFromStatus } from "./errors.ts";

describe("errors", () => {
  it("a Status becomes the same typed error again, with the server's message", () => {
    const sent = new ConflictError({ group: "apps", resource: "deployments", name: "web" });
    const back = errorFromStatus(sent.toStatus());
    expect(back).toBeInstanceOf(ConflictError);
    expect(back.name).toBe("ConflictError");
    expect(back.message).toBe(sent.message);
    expect(back.code).toBe(409);
    expect(errorFromStatus(new NotFoundError({ group: "", resource: "pods", name: "p" }).toStatus())).toBeInstanceOf(NotFoundError);
  });
  it("keeps the causes of an Invalid error", () => {
    const sent = new InvalidError("Pod", "", "p", [{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image" }]);
    const back = errorFromStatus(sent.toStatus());
    expect(back).toBeInstanceOf(InvalidError);
    expect((back as InvalidError).causes).toEqual(sent.causes);
    expect(sent.message).toBe('Pod "p" is invalid: spec.containers[0].image: Required value');
  });
});
