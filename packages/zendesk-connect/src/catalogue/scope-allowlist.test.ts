import { describe, expect, it } from "vitest";
import { narrowerChoice, refusedScopes, scopeListParam } from "./scope-allowlist.js";
import { nonExpiringNotice } from "./non-expiring.js";

const DESCRIPTION = (list: string) =>
  `The requested scope is invalid, unknown, or malformed. This OAuth client may not request "${list}": its scopes are restricted by the Zendesk admin.`;

describe("refusedScopes", () => {
  it("takes the refused scopes Zendesk names, limited to requested catalogue names", () => {
    expect(refusedScopes(DESCRIPTION("users:read"), ["tickets:read", "users:read"])).toEqual(["users:read"]);
    expect(refusedScopes(DESCRIPTION("users:read <script> tickets:write"), ["tickets:read", "users:read"])).toEqual([
      "users:read",
    ]);
  });
  it("falls back to the whole request when the description names nothing usable", () => {
    expect(refusedScopes("invalid scope", ["users:read", "tickets:read"])).toEqual(["tickets:read", "users:read"]);
    expect(refusedScopes(DESCRIPTION("bogus"), ["tickets:read"])).toEqual(["tickets:read"]);
    expect(refusedScopes(undefined, ["read", "nope"])).toEqual(["read"]);
  });
});

describe("narrowerChoice", () => {
  it("offers the largest preset within the request without the refused scopes", () => {
    expect(narrowerChoice(["tickets:read", "users:read"], ["users:read"])).toMatchObject({
      preset: { id: "tickets-read" },
    });
    expect(narrowerChoice(["tickets:read", "tickets:write", "users:read"], ["tickets:write"])).toMatchObject({
      preset: { id: "tickets-users-read" },
    });
  });
  it("falls back to the remaining scopes, or nothing", () => {
    expect(narrowerChoice(["read", "write"], ["read"])).toEqual({ custom: ["write"] });
    expect(narrowerChoice(["tickets:read"], ["tickets:read"])).toBeNull();
  });
});

describe("scopeListParam", () => {
  it("keeps catalogue names only, canonical and deduplicated", () => {
    expect(scopeListParam("users:read tickets:read users:read <b>x</b> READ")).toEqual(["tickets:read", "users:read"]);
    expect(scopeListParam(undefined)).toEqual([]);
    expect(scopeListParam("x".repeat(3000))).toEqual([]);
  });
});

describe("nonExpiringNotice", () => {
  const base = { status: "active", accessTokenExpiresAt: null, oauthClientId: "c1", clientIdentifier: "acme-own" };
  it("gives local clients the configured deadline and global ones none", () => {
    expect(nonExpiringNotice(base, { localDeadline: "2027-04-01" })).toMatchObject({
      clientKind: "local",
      deadline: "2027-04-01",
      message: expect.stringContaining("1 April 2027"),
    });
    expect(
      nonExpiringNotice(
        { ...base, oauthClientId: null, clientIdentifier: null },
        { localDeadline: "2027-04-01", globalClientIdentifier: "zdg-app" },
      ),
    ).toMatchObject({ clientKind: "global", deadline: null });
  });
  it("is null for expiring tokens and ended connections", () => {
    expect(
      nonExpiringNotice({ ...base, accessTokenExpiresAt: new Date() }, { localDeadline: "2027-04-01" }),
    ).toBeNull();
    expect(nonExpiringNotice({ ...base, status: "needs_reconnect" }, { localDeadline: "2027-04-01" })).toBeNull();
  });
});
