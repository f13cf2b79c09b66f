import { describe, expect, it } from "vitest";
import { humanDuration, since } from "./duration.ts";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("humanDuration: Kubernetes AGE text", () => {
  it.each([
    [0, "0s"],
    [-1500, "0s"], // up to a second of clock skew still reads as now
    [-2500, "<invalid>"],
    [45 * S, "45s"],
    [119 * S, "119s"],
    [2 * M, "2m"],
    [5 * M + 30 * S, "5m30s"],
    [9 * M + 59 * S, "9m59s"],
    [10 * M + 30 * S, "10m"],
    [179 * M, "179m"],
    [3 * H, "3h"],
    [7 * H + 5 * M, "7h5m"],
    [8 * H + 5 * M, "8h"],
    [47 * H, "47h"],
    [2 * D, "2d"],
    [2 * D + 5 * H, "2d5h"],
    [7 * D + 23 * H, "7d23h"],
    [8 * D + 5 * H, "8d"],
    [400 * D, "400d"],
    [729 * D, "729d"],
    [730 * D, "2y"],
    [3 * 365 * D + 20 * D, "3y20d"],
    [9 * 365 * D + 100 * D, "9y"],
  ])("%d ms → %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe("since", () => {
  const now = new Date("2024-05-01T12:00:00Z");
  it("measures from an RFC 3339 timestamp", () => {
    expect(since("2024-05-01T11:54:30Z", now)).toBe("5m30s");
  });
  it("reads a missing or broken timestamp as <unknown>", () => {
    expect(since(undefined, now)).toBe("<unknown>");
    expect(since(null, now)).toBe("<unknown>");
    expect(since("yesterday", now)).toBe("<unknown>");
  });
});
