import { describe, expect, it } from "vitest";
import { NoRespondersError, RequestError, TimeoutError } from "@nats-io/transport-node";
import { JetStreamApiError } from "@nats-io/jetstream";
import { StoreUnavailableError } from "./errors.ts";
import { isUnavailable, mapUnavailable, wrongLastSequence } from "./nats-errors.ts";

function apiError(err_code: number, code: number, description: string): JetStreamApiError {
  return new JetStreamApiError({ err_code, code, description });
}
function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

describe("store nats error mapping", () => {
  it("errors: reads the current revision out of a lost compare-and-set", () => {
    expect(wrongLastSequence(apiError(10071, 400, "wrong last sequence: 42"))).toBe(42);
    expect(wrongLastSequence(apiError(10071, 400, "wrong last sequence: 0"))).toBe(0);
    expect(wrongLastSequence(apiError(10164, 400, "wrong last sequence"))).toBeNull();
    expect(wrongLastSequence(apiError(10059, 404, "stream not found"))).toBeUndefined();
    expect(wrongLastSequence(new Error("wrong last sequence: 1"))).toBeUndefined();
  });

  it.each([
    ["a request timeout", new TimeoutError()],
    ["no responders", new RequestError("no responders", { cause: new NoRespondersError("$JS.API.INFO") })],
    ["a publish with no responders", named("JetStreamNotEnabled", "jetstream is not enabled")],
    ["JetStream temporarily unavailable", apiError(10008, 503, "JetStream system temporarily unavailable")],
    ["a stream offline", apiError(10118, 500, "stream is offline")],
    ["CAS not ready after a leader change", apiError(10163, 503, "expected last sequence per subject temporarily unavailable")],
    ["a closed connection", named("ClosedConnectionError", "closed connection")],
  ])("errors: %s is StoreUnavailableError", (_what, err) => {
    expect(isUnavailable(err)).toBe(true);
    const mapped = mapUnavailable(err, "test", false);
    expect(mapped).toBeInstanceOf(StoreUnavailableError);
    expect((mapped as StoreUnavailableError).cause).toBe(err);
  });

  it("errors: only a write that timed out has an unknown outcome", () => {
    expect((mapUnavailable(new TimeoutError(), "update", true) as StoreUnavailableError).outcomeUnknown).toBe(true);
    expect((mapUnavailable(new TimeoutError(), "get", false) as StoreUnavailableError).outcomeUnknown).toBe(false);
    const noResponders = named("JetStreamNotEnabled", "jetstream is not enabled");
    expect((mapUnavailable(noResponders, "update", true) as StoreUnavailableError).outcomeUnknown).toBe(false);
  });

  it("errors: bugs and refusals pass through unchanged", () => {
    const bug = new TypeError("x is undefined");
    expect(mapUnavailable(bug, "get", false)).toBe(bug);
    const refusal = apiError(10071, 400, "wrong last sequence: 3");
    expect(mapUnavailable(refusal, "update", true)).toBe(refusal);
  });
});
