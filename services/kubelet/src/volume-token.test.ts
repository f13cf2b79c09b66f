import { describe, expect, it } from "vitest";
import { needsRefresh, refreshAtMs, requestedSeconds, tokenKey, tokenLifetime } from "./volume-token.ts";

const T0 = Date.parse("2025-03-01T12:00:00Z");
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

describe("service account token refresh", () => {
  it("token: a 3607 s token is renewed once 80 % of its lifetime has passed, not before", () => {
    const t = { token: "a", ...tokenLifetime(T0, 3607, iso(T0 + 3607_000)) };
    expect(refreshAtMs(t)).toBe(T0 + 3607_000 * 0.8);
    expect(needsRefresh(t, T0 + 2885_000)).toBe(false);
    expect(needsRefresh(t, T0 + 2885_600)).toBe(true);
    expect(needsRefresh(undefined, T0)).toBe(true);
  });

  it("token: a long-lived token (the apiserver's extended year) is still renewed every 24 h", () => {
    const year = 365 * 24 * 3600;
    const t = { token: "a", ...tokenLifetime(T0, year, iso(T0 + year * 1000)) };
    expect(refreshAtMs(t)).toBe(T0 + 24 * 3600_000);
  });

  it("token: a shorter lifetime than requested counts from the reply's expiry; a bad timestamp falls back to the request", () => {
    const short = tokenLifetime(T0, 3600, iso(T0 + 1000_000));
    expect(short.expiresAtMs - short.issuedAtMs).toBe(1000_000);
    expect(refreshAtMs(short)).toBe(T0 + 800_000);
    expect(tokenLifetime(T0, 3600, "not a time").expiresAtMs).toBe(T0 + 3600_000);
    // A kubelet clock ahead of the apiserver's does not stretch the lifetime beyond the request.
    expect(tokenLifetime(T0, 600, iso(T0 + 5000_000)).expiresAtMs).toBe(T0 + 600_000);
  });

  it("token: lifetimes default to 3600 s and are floored at 600 s; each audience and lifetime is its own token", () => {
    expect(requestedSeconds(undefined)).toBe(3600);
    expect(requestedSeconds(60)).toBe(600);
    expect(tokenKey({ audience: "vault", expirationSeconds: 7200 })).not.toBe(tokenKey({ expirationSeconds: 7200 }));
    expect(tokenKey({})).toBe(tokenKey({ expirationSeconds: 3600 }));
  });
});
