import { describe, expect, it } from "vitest";
import { tokenExpiries } from "./expiry.js";

const NOW = Date.parse("2030-01-01T00:00:00Z");
const INFO = {
  expiresAt: new Date(NOW + 100_000),
  refreshTokenExpiresAt: new Date(NOW + 900_000),
};

describe("tokenExpiries", () => {
  it("takes the token response's lifetimes first, even when current.json disagrees", () => {
    expect(tokenExpiries({ expires_in: 3600, refresh_token_expires_in: 86_400 }, INFO, NOW)).toEqual({
      accessTokenExpiresAt: new Date(NOW + 3_600_000),
      refreshTokenExpiresAt: new Date(NOW + 86_400_000),
    });
  });

  it("uses current.json only for what the response left out", () => {
    expect(tokenExpiries({ expires_in: 3600 }, INFO, NOW)).toEqual({
      accessTokenExpiresAt: new Date(NOW + 3_600_000),
      refreshTokenExpiresAt: INFO.refreshTokenExpiresAt,
    });
    expect(tokenExpiries({}, INFO, NOW)).toEqual({
      accessTokenExpiresAt: INFO.expiresAt,
      refreshTokenExpiresAt: INFO.refreshTokenExpiresAt,
    });
  });

  it("keeps an unstated lifetime unknown (null), never an invented one", () => {
    expect(tokenExpiries({}, undefined, NOW)).toEqual({ accessTokenExpiresAt: null, refreshTokenExpiresAt: null });
    expect(tokenExpiries({}, { expiresAt: null, refreshTokenExpiresAt: null }, NOW)).toEqual({
      accessTokenExpiresAt: null,
      refreshTokenExpiresAt: null,
    });
    expect(tokenExpiries({ expires_in: Number.NaN }, null, NOW).accessTokenExpiresAt).toBeNull();
  });

  it("a lifetime that is not a positive finite number counts as unstated", () => {
    for (const seconds of [0, -60, Number.POSITIVE_INFINITY]) {
      expect(tokenExpiries({ expires_in: seconds, refresh_token_expires_in: seconds }, null, NOW)).toEqual({
        accessTokenExpiresAt: null,
        refreshTokenExpiresAt: null,
      });
      expect(tokenExpiries({ expires_in: seconds }, INFO, NOW).accessTokenExpiresAt).toEqual(INFO.expiresAt);
    }
    expect(tokenExpiries({ expires_in: 1 }, null, NOW).accessTokenExpiresAt).toEqual(new Date(NOW + 1000));
  });
});
