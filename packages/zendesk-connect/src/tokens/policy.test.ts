import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ZendeskConnection } from "../db/schema.js";
import { resetEnvForTests } from "../config/env.js";
import { ZendeskError, type ZendeskFailure } from "../transport/errors.js";
import {
  accessTokenDue,
  assertUsable,
  backoffError,
  backoffSeconds,
  type EarlierAttempts,
  failureSummary,
  localFailureOf,
  pollMs,
  refreshLeaseMs,
  type RenewRequest,
  retryDelayMs,
  retryPolicy,
  setRefreshRetryPolicy,
  TOKEN_REASONS,
  verdictFor,
} from "./policy.js";

/*
 * The lifecycle's pure decisions, without a database or Zendesk: what a refusal means, when a
 * connection is unusable, the back-off and the in-run retry. The database suites prove the same
 * rules end to end; these pin each branch and bound, and run in milliseconds.
 */

const NOW = Date.parse("2026-12-06T10:00:00Z");

function row(overrides: Partial<ZendeskConnection> = {}): ZendeskConnection {
  return {
    mode: "authorization_code",
    status: "active",
    statusReason: null,
    refreshFailures: 0,
    refreshTokenExpiresAt: null,
    accessTokenExpiresAt: new Date(NOW + 3_600_000),
    nextAttemptAt: null,
    lastError: null,
    ...overrides,
  } as ZendeskConnection;
}

const request = (trigger: RenewRequest["trigger"] = "on_demand") => ({ trigger }) as RenewRequest;
const calm: EarlierAttempts = { earlierFailure: false, answerMaybeLost: false } as EarlierAttempts;
const oauth = (error: string): ZendeskFailure => ({ kind: "oauth", status: 400, error });

function withEnv(values: Record<string, string>) {
  Object.assign(process.env, values);
  resetEnvForTests();
}
const ENV_KEYS = [
  "ZENDESK_REFRESH_BACKOFF_BASE_SECONDS",
  "ZENDESK_REFRESH_BACKOFF_MAX_SECONDS",
  "ZENDESK_HTTP_TIMEOUT_MS",
  "ZENDESK_REFRESH_MARGIN_SECONDS",
  "ZENDESK_REFRESH_RETRY_DELAY_MS",
];
afterEach(() => {
  for (const key of ENV_KEYS) delete process.env[key];
  resetEnvForTests();
  setRefreshRetryPolicy(null);
});

describe("verdictFor: what a refusal of the token endpoint means", () => {
  it("invalid_grant ends the connection, naming the most likely cause", () => {
    const plain = verdictFor(oauth("invalid_grant"), row(), request(), calm);
    expect(plain).toMatchObject({ status: "needs_reconnect", code: "needs_reconnect" });
    expect(plain.reason).toBe(TOKEN_REASONS.refreshRefused);
    expect(plain.failure).toEqual(oauth("invalid_grant"));

    expect(verdictFor(oauth("invalid_grant"), row({ mode: "client_credentials" }), request(), calm)).toMatchObject({
      status: "needs_reconnect",
      reason: TOKEN_REASONS.clientCredentialsRefused,
      code: "needs_reconnect",
    });
    // A lost answer outranks everything but client credentials: Zendesk rotated what we hold.
    expect(
      verdictFor(oauth("invalid_grant"), row(), request("rejected"), { ...calm, answerMaybeLost: true }),
    ).toMatchObject({ status: "needs_reconnect", reason: TOKEN_REASONS.lostResponse, code: "needs_reconnect" });
    expect(
      verdictFor(oauth("invalid_grant"), row({ mode: "client_credentials" }), request(), {
        ...calm,
        answerMaybeLost: true,
      }).reason,
    ).toBe(TOKEN_REASONS.clientCredentialsRefused);
    // The API refused the access token and the refresh token is refused too: revoked in Zendesk.
    expect(verdictFor(oauth("invalid_grant"), row({ status: "error" }), request("rejected"), calm)).toMatchObject({
      status: "revoked",
      reason: TOKEN_REASONS.revokedInZendesk,
      code: "token_revoked",
    });
  });

  it("invalid_grant after an earlier failure says a lost answer may have used the token", () => {
    for (const [r, earlier] of [
      [row(), { ...calm, earlierFailure: true }],
      [row({ status: "error" }), calm],
      [row({ refreshFailures: 1 }), calm],
    ] as const) {
      expect(verdictFor(oauth("invalid_grant"), r, request("keep_alive"), earlier)).toMatchObject({
        status: "needs_reconnect",
        reason: TOKEN_REASONS.refreshRefusedAfterFailure,
        code: "needs_reconnect",
      });
    }
  });

  it("a rejected client or scope ends the connection with its own code", () => {
    for (const error of ["invalid_client", "unauthorized_client"])
      expect(verdictFor(oauth(error), row(), request(), calm)).toMatchObject({
        status: "needs_reconnect",
        reason: TOKEN_REASONS.invalidClient,
        code: "invalid_client",
        failure: oauth(error),
      });
    expect(verdictFor(oauth("invalid_scope"), row(), request(), calm)).toMatchObject({
      status: "needs_reconnect",
      reason: TOKEN_REASONS.invalidScope,
      code: "invalid_scope",
    });
  });

  it("anything else is never a verdict: the connection keeps its tokens and backs off", () => {
    const failure = fc.oneof(
      fc.record({ kind: fc.constant("unreachable" as const), detail: fc.string() }),
      fc.record({ kind: fc.constantFrom("timeout" as const, "unknown_subdomain" as const, "invalid_token" as const) }),
      fc.record(
        { kind: fc.constant("rate_limited" as const), retryAfterSeconds: fc.nat(3600) },
        { requiredKeys: ["kind"] },
      ),
      fc.record({
        kind: fc.constantFrom("server_error" as const, "malformed" as const, "unexpected_status" as const),
        status: fc.integer({ min: 400, max: 599 }),
      }),
      fc.record({
        kind: fc.constant("oauth" as const),
        status: fc.constantFrom(400, 401),
        error: fc.string().filter((e) => !/^(invalid_grant|invalid_client|unauthorized_client|invalid_scope)$/.test(e)),
      }),
    ) as fc.Arbitrary<ZendeskFailure>;
    fc.assert(
      fc.property(
        failure,
        fc.constantFrom("on_demand", "manual", "keep_alive", "rejected", "disconnect"),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom("authorization_code", "client_credentials"),
        (f, trigger, earlierFailure, answerMaybeLost, mode) => {
          const verdict = verdictFor(
            f,
            row({ mode: mode as ZendeskConnection["mode"] }),
            request(trigger as RenewRequest["trigger"]),
            { ...calm, earlierFailure, answerMaybeLost },
          );
          expect(verdict.status).toBe("error");
          expect(verdict.failure).toBe(f);
          expect(verdict.reason.length).toBeGreaterThan(0);
        },
      ),
    );
    expect(verdictFor({ kind: "timeout" }, row(), request(), calm)).toMatchObject({
      status: "error",
      code: "zendesk_timeout",
    });
  });
});

describe("assertUsable: fails fast for a connection Zendesk already refused", () => {
  it("lets active and failing connections through", () => {
    expect(() => assertUsable(row(), NOW)).not.toThrow();
    expect(() => assertUsable(row({ status: "error", refreshFailures: 3 }), NOW)).not.toThrow();
  });

  it("revoked: token_revoked with the stored reason, or the default one", () => {
    const stored = thrown(() => assertUsable(row({ status: "revoked", statusReason: "Revoked by an admin." }), NOW));
    expect(stored).toMatchObject({ code: "token_revoked", message: "Revoked by an admin." });
    expect(thrown(() => assertUsable(row({ status: "revoked" }), NOW))).toMatchObject({
      code: "token_revoked",
      message: TOKEN_REASONS.revokedInZendesk,
    });
  });

  it("needs reconnect: refresh_token_expired only once the refresh token's expiry has passed", () => {
    const at = (ms: number | null) =>
      thrown(() =>
        assertUsable(row({ status: "needs_reconnect", refreshTokenExpiresAt: ms === null ? null : new Date(ms) }), NOW),
      );
    expect(at(NOW)).toMatchObject({ code: "refresh_token_expired", message: TOKEN_REASONS.refreshRefused });
    expect(at(NOW - 1).code).toBe("refresh_token_expired");
    expect(at(NOW + 1).code).toBe("needs_reconnect");
    expect(at(null).code).toBe("needs_reconnect");
    expect(
      thrown(() => assertUsable(row({ status: "needs_reconnect", statusReason: "Client deleted." }), NOW)).message,
    ).toBe("Client deleted.");
  });
});

function thrown(fn: () => void): ZendeskError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ZendeskError);
    return error as ZendeskError;
  }
  throw new Error("expected a ZendeskError");
}

describe("accessTokenDue", () => {
  it("is due within the refresh margin, never without an expiry", () => {
    withEnv({ ZENDESK_REFRESH_MARGIN_SECONDS: "300" });
    expect(accessTokenDue({ accessTokenExpiresAt: null }, NOW)).toBe(false);
    expect(accessTokenDue({ accessTokenExpiresAt: new Date(NOW + 300_000) }, NOW)).toBe(true);
    expect(accessTokenDue({ accessTokenExpiresAt: new Date(NOW + 300_001) }, NOW)).toBe(false);
    expect(accessTokenDue({ accessTokenExpiresAt: new Date(NOW - 1) }, NOW)).toBe(true);
  });
});

describe("backoffSeconds: exponential, jittered into its upper quarter, capped", () => {
  it("starts at the base for the first failure and doubles per failure up to the cap", () => {
    withEnv({ ZENDESK_REFRESH_BACKOFF_BASE_SECONDS: "60", ZENDESK_REFRESH_BACKOFF_MAX_SECONDS: "3600" });
    expect(backoffSeconds(0, 1)).toBe(60);
    expect(backoffSeconds(1, 1)).toBe(60);
    expect(backoffSeconds(2, 1)).toBe(120);
    expect(backoffSeconds(3, 1)).toBe(240);
    expect(backoffSeconds(7, 1)).toBe(3600);
    expect(backoffSeconds(50, 1)).toBe(3600);
    expect(backoffSeconds(1, 0)).toBe(45);
    expect(backoffSeconds(3, 0.5)).toBe(210);
  });

  it("never shortens a wait below three quarters of it, never exceeds it", () => {
    withEnv({ ZENDESK_REFRESH_BACKOFF_BASE_SECONDS: "30", ZENDESK_REFRESH_BACKOFF_MAX_SECONDS: "21600" });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (failures, random) => {
        const full = Math.min(21_600, 30 * 2 ** (failures - 1));
        const wait = backoffSeconds(failures, random);
        expect(wait).toBeGreaterThanOrEqual(Math.floor(full * 0.75));
        expect(wait).toBeLessThanOrEqual(full);
        expect(backoffSeconds(failures + 1, random)).toBeGreaterThanOrEqual(wait);
      }),
    );
  });
});

describe("retryDelayMs: the in-run retry", () => {
  const policy = { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 400, maxTotalWaitMs: 2000 };

  it("waits between half and all of the capped exponential delay", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), (attempt) => {
        const full = Math.min(400, 100 * 2 ** (attempt - 1));
        const wait = retryDelayMs(attempt, { kind: "timeout" }, policy)!;
        expect(wait).toBeGreaterThanOrEqual(full / 2);
        expect(wait).toBeLessThanOrEqual(full);
      }),
    );
  });

  it("spreads retries over that whole range, from its bottom to its top", () => {
    const random = vi.spyOn(Math, "random");
    try {
      random.mockReturnValue(0);
      expect(retryDelayMs(3, { kind: "timeout" }, policy)).toBe(200);
      random.mockReturnValue(0.999);
      expect(retryDelayMs(3, { kind: "timeout" }, policy)).toBe(400);
    } finally {
      random.mockRestore();
    }
  });

  it("honours Retry-After up to the total cap, and gives up beyond it", () => {
    expect(retryDelayMs(1, { kind: "rate_limited", retryAfterSeconds: 2 }, policy)).toBe(2000);
    expect(retryDelayMs(1, { kind: "rate_limited", retryAfterSeconds: 3 }, policy)).toBeUndefined();
    // A Retry-After shorter than the back-off does not shorten it.
    const short = retryDelayMs(3, { kind: "rate_limited", retryAfterSeconds: 0 }, policy)!;
    expect(short).toBeGreaterThanOrEqual(200);
    expect(short).toBeLessThanOrEqual(400);
    const unnamed = retryDelayMs(1, { kind: "rate_limited" }, policy)!;
    expect(unnamed).toBeGreaterThanOrEqual(50);
    expect(unnamed).toBeLessThanOrEqual(100);
  });
});

describe("retryPolicy", () => {
  it("derives from ZENDESK_REFRESH_RETRY_DELAY_MS; an override merges and null restores", () => {
    withEnv({ ZENDESK_REFRESH_RETRY_DELAY_MS: "250" });
    expect(retryPolicy()).toEqual({ maxAttempts: 2, baseDelayMs: 250, maxDelayMs: 1000, maxTotalWaitMs: 10_000 });
    setRefreshRetryPolicy({ maxAttempts: 3 });
    setRefreshRetryPolicy({ baseDelayMs: 10 });
    expect(retryPolicy()).toEqual({ maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 1000, maxTotalWaitMs: 10_000 });
    setRefreshRetryPolicy(null);
    expect(retryPolicy().maxAttempts).toBe(2);
  });
});

describe("failureSummary: what a failure records (never Zendesk's free text)", () => {
  it("keeps kind, status, error and Retry-After only", () => {
    expect(failureSummary({ kind: "oauth", status: 400, error: "invalid_grant", description: "token abc" })).toEqual({
      kind: "oauth",
      status: 400,
      error: "invalid_grant",
    });
    expect(failureSummary({ kind: "rate_limited", retryAfterSeconds: 30 })).toEqual({
      kind: "rate_limited",
      retryAfterSeconds: 30,
    });
    // No Retry-After: no key at all (attributes and logs list keys), not one holding undefined.
    expect(failureSummary({ kind: "rate_limited", retryAfterSeconds: undefined })).toStrictEqual({
      kind: "rate_limited",
    });
    expect(failureSummary({ kind: "server_error", status: 503 })).toEqual({ kind: "server_error", status: 503 });
    expect(failureSummary({ kind: "unreachable", detail: "ECONNREFUSED 10.0.0.1" })).toEqual({ kind: "unreachable" });
  });
});

describe("localFailureOf: our own failures that are still written to the connection", () => {
  it("names a missing client and an undecryptable secret; anything else is not one", () => {
    const r = row();
    expect(localFailureOf(new ZendeskError("no_client", "No global client."), r)).toEqual({
      code: "no_client",
      message: "No global client.",
      row: r,
    });
    for (const name of ["DecryptionError", "MissingKeyError"]) {
      const error = Object.assign(new Error("x"), { name });
      expect(localFailureOf(error, r)).toEqual({
        code: "storage_failed",
        message: TOKEN_REASONS.undecryptable,
        row: r,
      });
    }
    expect(localFailureOf(new ZendeskError("zendesk_error", "boom"), r)).toBeUndefined();
    expect(localFailureOf(new Error("boom"), r)).toBeUndefined();
    expect(localFailureOf("DecryptionError", r)).toBeUndefined();
  });
});

describe("backoffError", () => {
  it("names the last error and the next automatic attempt, and points to Refresh now", () => {
    const next = new Date(NOW + 60_000);
    const error = backoffError(row({ lastError: "HTTP 503", nextAttemptAt: next }));
    expect(error.code).toBe("zendesk_error");
    expect(error.message).toBe(
      `Renewing the Zendesk token failed recently (HTTP 503). The next automatic attempt is at ${next.toISOString()}; use Refresh now to try again sooner.`,
    );
    expect(backoffError(row()).message).toBe(
      "Renewing the Zendesk token failed recently (Zendesk did not answer). use Refresh now to try again sooner.",
    );
  });
});

describe("timing of a claim", () => {
  it("a lease outlasts the token call by 5 s; waiters poll at 1/40 of it, between 25 and 250 ms", () => {
    withEnv({ ZENDESK_HTTP_TIMEOUT_MS: "8000" });
    expect(refreshLeaseMs()).toBe(13_000);
    expect(pollMs()).toBe(200);
    withEnv({ ZENDESK_HTTP_TIMEOUT_MS: "500" });
    expect(pollMs()).toBe(25);
    withEnv({ ZENDESK_HTTP_TIMEOUT_MS: "60000" });
    expect(pollMs()).toBe(250);
  });
});
