import { afterEach, describe, expect, it } from "vitest";
import type { ZendeskConnection } from "../db/schema.js";
import { resetEnvForTests } from "../config/env.js";
import { keepAliveDue } from "./keep-alive.js";

/*
 * Which rows the keep-alive renews. The run lists due rows in SQL, then each claim asks this
 * predicate again of the row as it finds it: a row may have changed in between (its refresh token
 * renewed or dropped, a reconnect as another kind of client, warm access tokens turned off), and
 * only this check then stops a renewal nobody needs. Each condition is pinned at its bound.
 */

const NOW = Date.parse("2026-12-06T10:00:00Z");
const DAY = 86_400_000;
const ENV_KEYS = [
  "ZENDESK_KEEPALIVE_REFRESH_DAYS",
  "ZENDESK_REFRESH_MARGIN_SECONDS",
  "ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS",
] as const;

type DueRow = Parameters<typeof keepAliveDue>[0];

/** A row the keep-alive leaves alone: its refresh token lasts 30 days, its access token an hour. */
function row(overrides: Partial<ZendeskConnection> = {}): DueRow {
  return {
    mode: "authorization_code",
    refreshTokenCiphertext: "sealed",
    refreshTokenExpiresAt: new Date(NOW + 30 * DAY),
    accessTokenExpiresAt: new Date(NOW + 3_600_000),
    ...overrides,
  };
}

function settings(values: Partial<Record<(typeof ENV_KEYS)[number], string>>): void {
  Object.assign(process.env, { ZENDESK_KEEPALIVE_REFRESH_DAYS: "7", ZENDESK_REFRESH_MARGIN_SECONDS: "300" }, values);
  resetEnvForTests();
}

afterEach(() => {
  for (const key of ENV_KEYS) delete process.env[key];
  resetEnvForTests();
});

describe("keepAliveDue: a refresh token close to its expiry", () => {
  it("is due from ZENDESK_KEEPALIVE_REFRESH_DAYS before it expires, to the millisecond", () => {
    settings({});
    expect(keepAliveDue(row(), NOW)).toBe(false);
    expect(keepAliveDue(row({ refreshTokenExpiresAt: new Date(NOW + 7 * DAY) }), NOW)).toBe(true);
    expect(keepAliveDue(row({ refreshTokenExpiresAt: new Date(NOW + 7 * DAY + 1) }), NOW)).toBe(false);
    expect(keepAliveDue(row({ refreshTokenExpiresAt: new Date(NOW - 1) }), NOW)).toBe(true);
    settings({ ZENDESK_KEEPALIVE_REFRESH_DAYS: "10" });
    expect(keepAliveDue(row({ refreshTokenExpiresAt: new Date(NOW + 10 * DAY) }), NOW)).toBe(true);
    expect(keepAliveDue(row({ refreshTokenExpiresAt: new Date(NOW + 10 * DAY + 1) }), NOW)).toBe(false);
  });

  it("is not due without a refresh token, without an expiry, or for a client-credentials grant", () => {
    settings({});
    const soon = new Date(NOW + DAY);
    expect(keepAliveDue(row({ refreshTokenExpiresAt: soon }), NOW)).toBe(true);
    expect(keepAliveDue(row({ refreshTokenExpiresAt: soon, refreshTokenCiphertext: null }), NOW)).toBe(false);
    expect(keepAliveDue(row({ refreshTokenExpiresAt: null }), NOW)).toBe(false);
    expect(keepAliveDue(row({ refreshTokenExpiresAt: soon, mode: "client_credentials" }), NOW)).toBe(false);
  });
});

describe("keepAliveDue: warm access tokens", () => {
  const expiring = (ms: number) => row({ accessTokenExpiresAt: new Date(NOW + ms) });

  it("off (the default): an access token about to expire is left to renewal on use", () => {
    settings({});
    expect(keepAliveDue(expiring(0), NOW)).toBe(false);
    expect(keepAliveDue(row({ mode: "client_credentials", accessTokenExpiresAt: new Date(NOW) }), NOW)).toBe(false);
  });

  it("on: due from ZENDESK_REFRESH_MARGIN_SECONDS before the access token expires, any kind of grant", () => {
    settings({ ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS: "true" });
    expect(keepAliveDue(expiring(300_000), NOW)).toBe(true);
    expect(keepAliveDue(expiring(300_001), NOW)).toBe(false);
    expect(keepAliveDue(expiring(-1), NOW)).toBe(true);
    expect(
      keepAliveDue(
        row({ mode: "client_credentials", refreshTokenCiphertext: null, accessTokenExpiresAt: new Date(NOW) }),
        NOW,
      ),
    ).toBe(true);
    // A token without an expiry never expires.
    expect(keepAliveDue(row({ accessTokenExpiresAt: null }), NOW)).toBe(false);
    settings({ ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS: "true", ZENDESK_REFRESH_MARGIN_SECONDS: "600" });
    expect(keepAliveDue(expiring(600_000), NOW)).toBe(true);
    expect(keepAliveDue(expiring(600_001), NOW)).toBe(false);
  });
});
