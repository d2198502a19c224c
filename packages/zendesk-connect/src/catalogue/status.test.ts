import { beforeEach, describe, expect, it } from "vitest";
import { computeStatus, STATUS_LABEL, type StatusInput } from "./status.js";

const NOW = new Date("2030-01-01T12:00:00.000Z");
const SOON = 3 * 86_400; // ZENDESK_EXPIRING_SOON_SECONDS: the refresh token ends within 3 days without renewal
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

/** A healthy authorization-code connection: access valid 1 h, refresh 30 days. */
function connection(overrides: Partial<StatusInput> = {}): StatusInput {
  return {
    status: "active",
    statusReason: null,
    lastError: null,
    accessTokenExpiresAt: at(3600),
    refreshTokenExpiresAt: at(30 * 86_400),
    hasRefreshToken: true,
    mode: "authorization_code",
    ...overrides,
  };
}

const status = (c: StatusInput, soon = SOON) => computeStatus(c, NOW, soon);

beforeEach(() => {
  expect.hasAssertions();
});

describe("computeStatus: every status the page can show", () => {
  it("labels each one", () => {
    expect(Object.values(STATUS_LABEL)).toEqual([
      "Connected",
      "Expiring soon",
      "Needs reconnect",
      "Revoked in Zendesk",
      "Error",
    ]);
  });

  it("Connected: both tokens valid beyond the window", () => {
    expect(status(connection())).toEqual({ status: "connected", reason: "Working normally." });
  });

  it("Connected: no expiry known at all", () => {
    expect(status(connection({ accessTokenExpiresAt: null, refreshTokenExpiresAt: null })).status).toBe("connected");
  });

  it("Revoked in Zendesk: stored verdict, with its reason or a default", () => {
    expect(status(connection({ status: "revoked", statusReason: "Revoked by an admin." }))).toEqual({
      status: "revoked",
      reason: "Revoked by an admin.",
    });
    expect(status(connection({ status: "revoked" })).reason).toMatch(/revoked in Zendesk\. Reconnect/);
  });

  it("Needs reconnect: stored verdict wins over valid tokens", () => {
    expect(status(connection({ status: "needs_reconnect", statusReason: "invalid_grant" }))).toEqual({
      status: "needs_reconnect",
      reason: "invalid_grant",
    });
    expect(status(connection({ status: "needs_reconnect" })).reason).toMatch(/Reconnect to continue/);
  });

  it("Error: the last error, else the reason, else a default", () => {
    expect(status(connection({ status: "error", lastError: "Zendesk answered 503." }))).toEqual({
      status: "error",
      reason: "Zendesk answered 503.",
    });
    expect(status(connection({ status: "error", statusReason: "timeout" })).reason).toBe("timeout");
    expect(status(connection({ status: "error" })).reason).toBe("The last attempt to reach Zendesk failed.");
  });
});

describe("derived Needs reconnect", () => {
  it("access expired and no refresh token", () => {
    expect(status(connection({ accessTokenExpiresAt: at(-1), hasRefreshToken: false }))).toEqual({
      status: "needs_reconnect",
      reason: "The access token expired and cannot be renewed. Reconnect to continue.",
    });
  });

  it("access and refresh tokens both expired", () => {
    expect(status(connection({ accessTokenExpiresAt: at(-1), refreshTokenExpiresAt: at(-1) }))).toEqual({
      status: "needs_reconnect",
      reason: "The refresh token expired after a period without use. Reconnect to continue.",
    });
  });

  it("boundary: a token expiring exactly now counts as expired", () => {
    expect(status(connection({ accessTokenExpiresAt: at(0), refreshTokenExpiresAt: at(0) })).status).toBe(
      "needs_reconnect",
    );
    expect(status(connection({ accessTokenExpiresAt: at(0), refreshTokenExpiresAt: at(0.001) })).status).toBe(
      "expiring_soon",
    );
    // An access token expiring exactly now with a live refresh token is renewed on use: Connected.
    expect(status(connection({ accessTokenExpiresAt: at(0) })).status).toBe("connected");
  });

  it("outranks a stored Error: a dead connection must say Reconnect", () => {
    const dead = connection({
      status: "error",
      lastError: "503",
      accessTokenExpiresAt: at(-1),
      hasRefreshToken: false,
    });
    expect(status(dead).status).toBe("needs_reconnect");
  });

  it("never for client-credentials connections: they renew without a refresh token", () => {
    const cc = connection({
      mode: "client_credentials",
      hasRefreshToken: false,
      refreshTokenExpiresAt: at(-1),
      accessTokenExpiresAt: at(-1),
    });
    expect(status(cc)).toEqual({
      status: "connected",
      reason: "Working normally. The access token expired while unused; it is renewed on next use.",
    });
  });

  it("also when only the refresh token expired and the access token still works: the connection cannot be renewed", () => {
    expect(status(connection({ refreshTokenExpiresAt: at(-1) }))).toEqual({
      status: "needs_reconnect",
      reason: "The refresh token expired after a period without use. Reconnect to continue.",
    });
  });
});

describe("Expiring soon follows the refresh token, not the access token", () => {
  it("refresh token inside the window: names its date and the keep-alive", () => {
    expect(status(connection({ refreshTokenExpiresAt: at(SOON) }))).toEqual({
      status: "expiring_soon",
      reason:
        "The refresh token expires on 2030-01-04 and has not been renewed: check that the keep-alive job runs, or reconnect.",
    });
  });

  it("boundary: refresh token exactly at the window's edge is soon, one millisecond after is not", () => {
    expect(status(connection({ refreshTokenExpiresAt: at(SOON), accessTokenExpiresAt: null })).status).toBe(
      "expiring_soon",
    );
    expect(status(connection({ refreshTokenExpiresAt: at(SOON + 0.001), accessTokenExpiresAt: null })).status).toBe(
      "connected",
    );
  });

  it("a refresh token just renewed by the keep-alive (7 days left) is not soon", () => {
    expect(status(connection({ refreshTokenExpiresAt: at(7 * 86_400) })).status).toBe("connected");
  });

  it("an access token about to expire is Connected: it is renewed on use", () => {
    expect(status(connection({ accessTokenExpiresAt: at(60) }))).toEqual({
      status: "connected",
      reason: "Working normally.",
    });
  });

  it("an access token expired while idle, with a live refresh token, is Connected and says it renews on next use", () => {
    expect(status(connection({ accessTokenExpiresAt: at(-2 * 3600) }))).toEqual({
      status: "connected",
      reason: "Working normally. The access token expired while unused; it is renewed on next use.",
    });
  });

  it("the refresh token's warning wins over an expired access token", () => {
    expect(status(connection({ accessTokenExpiresAt: at(-60), refreshTokenExpiresAt: at(120) })).reason).toMatch(
      /^The refresh token expires on/,
    );
  });

  it("a client-credentials connection ignores the refresh token's expiry", () => {
    const cc = connection({ mode: "client_credentials", hasRefreshToken: false, refreshTokenExpiresAt: at(60) });
    expect(status(cc).status).toBe("connected");
  });

  it("follows the configured window", () => {
    expect(status(connection(), 30 * 86_400).status).toBe("expiring_soon");
    expect(status(connection(), 30 * 86_400 - 1).status).toBe("connected");
  });

  it("a zero window shows only what has expired", () => {
    expect(status(connection({ refreshTokenExpiresAt: at(1) }), 0).status).toBe("connected");
    expect(status(connection({ accessTokenExpiresAt: at(0) }), 0).status).toBe("connected");
  });
});
