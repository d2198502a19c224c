import { and, eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnectionEvents } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { resetEnvForTests } from "../config/env.js";
import type { FaultInput } from "@zendesk-connect/simulator";
import { testConnection, zendesk } from "../api-client.js";
import { type ConnectionEvent, onConnectionEvent } from "../store/events.js";
import {
  connectTestConnection,
  expireAccessToken,
  grantCount,
  setupZendeskSimulator,
  storedConnection,
} from "@/testing/zendesk";
import { getAccessToken, TOKEN_REASONS } from "./lifecycle.js";
import { setRefreshRetryPolicy } from "./policy.js";
import { settleAfterResponse } from "../after-response.js";
import { logger } from "../telemetry/log.js";

/*
 * Every simulator fault at the token endpoint (during a refresh) and at the API endpoints the
 * lifecycle uses, with the connection state each must leave behind. The invariant under test:
 * a transient fault never loses a refresh token that is still valid at Zendesk (clearing the
 * fault and refreshing again succeeds), and only Zendesk refusing the grant ends a connection.
 */

setupTestDatabase();
// 500 ms (the minimum) so "delay past timeout" is quick; retries: 2 attempts (one quick retry), short backoff, 1.5 s cap.
const fixture = setupZendeskSimulator({ httpTimeoutMs: 500 });

// Omit distributed over the union, so each fault kind keeps its own fields.
type FaultWithoutEndpoint = FaultInput extends infer F ? (F extends unknown ? Omit<F, "endpoint"> : never) : never;

const refreshFault = (fault: FaultWithoutEndpoint): FaultInput =>
  ({ endpoint: "token", grant_type: "refresh_token", ...fault }) as FaultInput;

async function expiredConnection() {
  const { connectionId } = await connectTestConnection(fixture.sim);
  await expireAccessToken(fixture.sim, connectionId);
  await fixture.sim.control.clearLog();
  return { connectionId, before: await storedConnection(connectionId) };
}

async function eventTypes(connectionId: string) {
  const rows = await db
    .select({ type: zendeskConnectionEvents.type })
    .from(zendeskConnectionEvents)
    .where(eq(zendeskConnectionEvents.connectionId, connectionId));
  return rows.map((r) => r.type);
}

describe("transient faults at the token endpoint keep the tokens and recover", () => {
  // attempts: the one quick retry of a transient failure, none after a Retry-After beyond the cap.
  // lost: Zendesk may have acted on a request whose answer never arrived intact (refresh_in_flight_since
  // stays set, so a later invalid_grant is read as a lost answer).
  const cases: {
    name: string;
    fault: FaultWithoutEndpoint;
    code: string;
    lastError: RegExp;
    attempts: 1 | 2;
    lost: boolean;
  }[] = [
    {
      name: "HTTP 500",
      fault: { kind: "status", status: 500, body: { error: "InternalError" } },
      code: "zendesk_error",
      lastError: /server error \(HTTP 500\)/,
      attempts: 2,
      lost: false,
    },
    {
      name: "HTTP 502 (HTML from a proxy)",
      fault: { kind: "status", status: 502, body: "<html>Bad Gateway</html>" },
      code: "zendesk_error",
      lastError: /HTTP 502/,
      attempts: 2,
      lost: false,
    },
    {
      name: "malformed JSON",
      fault: { kind: "malformed_json" },
      code: "zendesk_malformed",
      lastError: /could not be read/,
      attempts: 2,
      lost: true,
    },
    {
      name: "a 200 whose JSON has no access token",
      fault: { kind: "status", status: 200, body: { token_type: "bearer", expires_in: 3600 } },
      code: "zendesk_malformed",
      lastError: /could not be read/,
      attempts: 2,
      lost: true,
    },
    {
      name: "plain-text 429 with a long Retry-After",
      fault: { kind: "plain_text_429", retry_after: 60 },
      code: "rate_limited",
      lastError: /rate limiting/,
      attempts: 1,
      lost: false,
    },
    {
      name: "plain-text 429 without Retry-After",
      fault: { kind: "plain_text_429", retry_after: null },
      code: "rate_limited",
      lastError: /rate limiting/,
      attempts: 2,
      lost: false,
    },
    {
      name: "connection closed before Zendesk acted",
      fault: { kind: "close" },
      code: "zendesk_unreachable",
      lastError: /could not be reached/,
      attempts: 2,
      lost: true,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: status error with the reason, tokens untouched, then a later refresh succeeds`, async () => {
      const { connectionId, before } = await expiredConnection();
      await fixture.sim.control.injectFault(refreshFault({ ...c.fault, times: 100 }));

      await expect(getAccessToken(connectionId)).rejects.toMatchObject({
        name: "ZendeskError",
        code: c.code,
        message: expect.stringMatching(/^Could not renew the Zendesk token: /),
      });

      const failed = await storedConnection(connectionId);
      expect(failed.status).toBe("error");
      expect(failed.refreshInFlightSince === null).toBe(!c.lost);
      expect(failed.lastError).toMatch(c.lastError);
      expect(failed.tokenVersion).toBe(before.tokenVersion);
      expect(failed.refreshTokenCiphertext).toBe(before.refreshTokenCiphertext);
      expect(failed.accessTokenCiphertext).toBe(before.accessTokenCiphertext);
      const attempts = await grantCount(fixture.sim, "refresh_token");
      // Bounded: one quick retry at most (a Retry-After beyond the cap stops at once, without
      // waiting it out: a 60 s wait would outlast the test). The retry's wait is capped by the
      // retry policy (1.5 s in total here), so the attempts the simulator logged bound the call.
      expect(attempts).toBe(c.attempts);
      expect(await eventTypes(connectionId)).toContain("refresh_failed");
      // Backed off: automatic use does not hammer Zendesk until next_attempt_at.
      expect(failed.refreshFailures).toBe(1);
      expect(failed.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 40_000);
      await expect(getAccessToken(connectionId)).rejects.toMatchObject({ message: /next automatic attempt/ });
      expect(await grantCount(fixture.sim, "refresh_token")).toBe(attempts);

      await fixture.sim.control.clearFaults();
      const token = await getAccessToken(connectionId, { now: () => failed.nextAttemptAt!.getTime() + 1000 });
      expect(token).toBeTruthy();
      const recovered = await storedConnection(connectionId);
      expect(recovered).toMatchObject({
        status: "active",
        lastError: null,
        lastErrorAt: null,
        tokenVersion: before.tokenVersion + 1,
        refreshFailures: 0,
        nextAttemptAt: null,
        refreshLeaseHolder: null,
        refreshInFlightSince: null,
      });
    });
  }

  it("one 500 then success: retried within the same call", async () => {
    const { connectionId } = await expiredConnection();
    await fixture.sim.control.injectFault(refreshFault({ kind: "status", status: 500, times: 1 }));
    await getAccessToken(connectionId);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
    expect(await storedConnection(connectionId)).toMatchObject({ status: "active", tokenVersion: 2 });
  });

  it("a 429 with a short Retry-After is honoured, then the retry succeeds", async () => {
    const { connectionId } = await expiredConnection();
    await fixture.sim.control.injectFault(refreshFault({ kind: "plain_text_429", retry_after: 1, times: 1 }));
    const started = performance.now();
    await getAccessToken(connectionId);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(await storedConnection(connectionId)).toMatchObject({ status: "active", tokenVersion: 2 });
  });

  it("retries stop at the cap on their total wait, whatever attempts are left", async () => {
    const { connectionId } = await expiredConnection();
    // Each retry waits the 1 s Retry-After; the second wait would pass the 1.5 s cap.
    setRefreshRetryPolicy({ maxAttempts: 4 });
    try {
      await fixture.sim.control.injectFault(refreshFault({ kind: "plain_text_429", retry_after: 1, times: 10 }));
      await expect(getAccessToken(connectionId)).rejects.toMatchObject({ name: "ZendeskError" });
    } finally {
      setRefreshRetryPolicy({ maxAttempts: 2 });
    }
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
    expect(await storedConnection(connectionId)).toMatchObject({ status: "error", refreshFailures: 1 });
  });

  it("an answer slower than the HTTP timeout: the retry with the same refresh token wins", async () => {
    const { connectionId } = await expiredConnection();
    // Zendesk handles the delayed request only after 1.5 s, long after our 500 ms timeout and retry.
    await fixture.sim.control.injectFault(refreshFault({ kind: "delay", delay_ms: 1500, times: 1 }));
    const token = await getAccessToken(connectionId);
    expect(await storedConnection(connectionId)).toMatchObject({ status: "active", tokenVersion: 2 });
    // Let the late request finish at the simulator (it is refused: its refresh token was rotated).
    await expect.poll(async () => grantCount(fixture.sim, "refresh_token"), { timeout: 3000, interval: 100 }).toBe(2);
    const log = await fixture.sim.control.requestLog();
    expect(
      log.entries
        .filter((e) => e.grant_type === "refresh_token")
        .map((e) => e.status)
        .sort(),
    ).toEqual([201, 400]);
    expect(await getAccessToken(connectionId)).toBe(token);
  });

  it("an answer without a new refresh token did not rotate it: the one stored, and its expiry, are kept", async () => {
    const { connectionId, before } = await expiredConnection();
    await fixture.sim.control.injectFault(
      refreshFault({
        kind: "status",
        status: 200,
        body: { access_token: "zdat_without_refresh", token_type: "bearer", expires_in: 3600 },
      }),
    );
    expect(await getAccessToken(connectionId)).toBe("zdat_without_refresh");
    await settleAfterResponse();
    const renewed = await storedConnection(connectionId);
    expect(renewed).toMatchObject({
      status: "active",
      tokenVersion: before.tokenVersion + 1,
      refreshTokenCiphertext: before.refreshTokenCiphertext,
      refreshTokenExpiresAt: before.refreshTokenExpiresAt,
    });
    // Zendesk still holds that refresh token: the next renewal sends it and is answered.
    await expireAccessToken(fixture.sim, connectionId);
    await getAccessToken(connectionId);
    // The faulted request and this one.
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
    expect(await storedConnection(connectionId)).toMatchObject({
      status: "active",
      tokenVersion: before.tokenVersion + 2,
    });
  });

  it("a fault at current.json after the rotation still stores the new pair (token id unknown)", async () => {
    const { connectionId } = await expiredConnection();
    await fixture.sim.control.injectFault({ endpoint: "tokens_current", kind: "status", status: 500 });
    const errors = vi.spyOn(logger, "error");
    try {
      await getAccessToken(connectionId);
      await settleAfterResponse();
      // Zendesk's failure there costs only metadata: the follow-up ends quietly, nothing is logged as failed.
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
    const row = await storedConnection(connectionId);
    expect(row).toMatchObject({ status: "active", tokenVersion: 2, zendeskTokenId: null });
    expect(row.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
  });
});

describe("Zendesk refusing the grant ends the connection precisely, once", () => {
  it("response lost after Zendesk rotated (close_after_commit): needs_reconnect with that reason, no loop", async () => {
    const { connectionId } = await expiredConnection();
    const heard: ConnectionEvent[] = [];
    const off = onConnectionEvent((e) => void heard.push(e));
    await fixture.sim.control.injectFault(refreshFault({ kind: "close_after_commit" }));
    try {
      await expect(getAccessToken(connectionId)).rejects.toMatchObject({
        code: "needs_reconnect",
        message: TOKEN_REASONS.lostResponse,
      });
    } finally {
      off();
    }
    const row = await storedConnection(connectionId);
    expect(row.status).toBe("needs_reconnect");
    expect(row.statusReason).toContain("refresh response was lost after Zendesk rotated the tokens; reconnect");
    // One committed refresh whose answer was lost, one retry refused: never more.
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
    expect(heard.map((e) => e.type)).toEqual(["refresh_failed", "needs_reconnect"]);
    expect(heard[1]).toMatchObject({ connectionId, subdomain: "acme", detail: TOKEN_REASONS.lostResponse });

    // Later calls fail fast without calling Zendesk.
    await fixture.sim.control.clearLog();
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: "needs_reconnect" });
    await expect(zendesk(connectionId).me()).rejects.toMatchObject({ code: "needs_reconnect" });
    expect((await fixture.sim.control.requestLog()).total).toBe(0);
  });

  it("invalid_grant: needs_reconnect with a precise reason, Zendesk not asked again", async () => {
    const { connectionId } = await expiredConnection();
    await fixture.sim.control.injectFault(
      refreshFault({
        kind: "status",
        status: 400,
        body: { error: "invalid_grant", error_description: "The provided authorization grant is invalid" },
      }),
    );
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({
      code: "needs_reconnect",
      message: TOKEN_REASONS.refreshRefused,
    });
    expect(await storedConnection(connectionId)).toMatchObject({
      status: "needs_reconnect",
      statusReason: TOKEN_REASONS.refreshRefused,
    });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    expect(await eventTypes(connectionId)).toEqual(expect.arrayContaining(["refresh_failed", "needs_reconnect"]));
    await getAccessToken(connectionId).catch(() => undefined);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });

  it("invalid_grant after a 5xx: needs_reconnect with a hedged reason (the 5xx may or may not have rotated)", async () => {
    const { connectionId } = await expiredConnection();
    await fixture.sim.control.injectFault(refreshFault({ kind: "status", status: 500 }));
    await fixture.sim.control.injectFault(
      refreshFault({ kind: "status", status: 400, body: { error: "invalid_grant" } }),
    );
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({
      code: "needs_reconnect",
      message: TOKEN_REASONS.refreshRefusedAfterFailure,
    });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
  });

  it("invalid_grant after an answer that never came in time: the lost-answer reason (it may have rotated)", async () => {
    const { connectionId } = await expiredConnection();
    await fixture.sim.control.injectFault(refreshFault({ kind: "delay", delay_ms: 1000 }));
    await fixture.sim.control.injectFault(
      refreshFault({ kind: "status", status: 400, body: { error: "invalid_grant" } }),
    );
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({
      code: "needs_reconnect",
      message: TOKEN_REASONS.lostResponse,
    });
  });

  it("invalid_client (injected): needs_reconnect naming the client", async () => {
    const { connectionId } = await expiredConnection();
    await fixture.sim.control.injectFault(
      refreshFault({
        kind: "status",
        status: 401,
        body: { error: "invalid_client", error_description: "Client authentication failed" },
      }),
    );
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: "invalid_client" });
    const row = await storedConnection(connectionId);
    expect(row.status).toBe("needs_reconnect");
    expect(row.statusReason).toContain("the OAuth client's identifier or secret was rejected");
  });

  it("invalid_client (the global client's secret changed): needs_reconnect, secret never in state", async () => {
    const { connectionId } = await expiredConnection();
    const saved = process.env.ZENDESK_CLIENT_SECRET;
    process.env.ZENDESK_CLIENT_SECRET = "a-wrong-secret-value";
    resetEnvForTests();
    try {
      await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: "invalid_client" });
    } finally {
      process.env.ZENDESK_CLIENT_SECRET = saved;
      resetEnvForTests();
    }
    const row = await storedConnection(connectionId);
    expect(row.status).toBe("needs_reconnect");
    expect(JSON.stringify([row.statusReason, row.lastError, await eventTypes(connectionId)])).not.toMatch(
      /a-wrong-secret-value|dev-global-client-secret/,
    );
  });

  it("a token revoked in Zendesk: the API's 401, then a refused refresh, mark the connection revoked", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.revokeToken({ subdomain: "acme" });
    await expect(zendesk(connectionId).me()).rejects.toMatchObject({ code: "token_revoked" });
    const row = await storedConnection(connectionId);
    expect(row.status).toBe("revoked");
    expect(row.statusReason).toContain("revoked in Zendesk");
    expect(await eventTypes(connectionId)).toContain("revoked");
  });
});

describe("faults at the API endpoints leave the connection as it was", () => {
  const apiCases: { name: string; fault: FaultInput; code: string }[] = [
    { name: "users/me 500", fault: { endpoint: "users_me", kind: "status", status: 500 }, code: "zendesk_error" },
    {
      name: "users/me 502",
      fault: { endpoint: "users_me", kind: "status", status: 502, body: "Bad Gateway" },
      code: "zendesk_error",
    },
    {
      name: "users/me malformed JSON",
      fault: { endpoint: "users_me", kind: "malformed_json" },
      code: "zendesk_malformed",
    },
    { name: "users/me closed", fault: { endpoint: "users_me", kind: "close" }, code: "zendesk_unreachable" },
    {
      name: "users/me slower than the timeout",
      fault: { endpoint: "users_me", kind: "delay", delay_ms: 800 },
      code: "zendesk_timeout",
    },
    {
      name: "users/me plain-text 429 (long Retry-After)",
      fault: { endpoint: "users_me", kind: "plain_text_429", retry_after: 60 },
      code: "rate_limited",
    },
  ];
  for (const c of apiCases) {
    it(`${c.name}: test_failed with ${c.code}, tokens and status unchanged`, async () => {
      const { connectionId, userId } = await connectTestConnection(fixture.sim);
      const before = await storedConnection(connectionId);
      await fixture.sim.control.injectFault(c.fault);
      const result = await testConnection(await storedConnection(connectionId), userId);
      expect(result).toMatchObject({ ok: false, code: c.code });
      const after = await storedConnection(connectionId);
      expect(after).toMatchObject({
        status: "active",
        tokenVersion: before.tokenVersion,
        accessTokenCiphertext: before.accessTokenCiphertext,
      });
      const failed = await db
        .select()
        .from(zendeskConnectionEvents)
        .where(
          and(eq(zendeskConnectionEvents.connectionId, connectionId), eq(zendeskConnectionEvents.type, "test_failed")),
        );
      expect(failed).toHaveLength(1);
      // The next test passes once Zendesk is healthy again.
      await fixture.sim.control.clearFaults();
      expect(await testConnection(await storedConnection(connectionId), userId)).toMatchObject({ ok: true });
    });
  }

  it("users/me 401 once: one refresh, one retry, success", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault({
      endpoint: "users_me",
      kind: "status",
      status: 401,
      body: { error: "invalid_token", error_description: "expired" },
    });
    const me = await zendesk(connectionId).me();
    expect(me).toMatchObject({ id: "10001", role: "admin" });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    expect(await storedConnection(connectionId)).toMatchObject({ status: "active", tokenVersion: 2 });
  });

  it("revoke endpoint 500 / closed: a typed error, connection unchanged", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const before = await storedConnection(connectionId);
    const client = zendesk(connectionId);
    await fixture.sim.control.injectFault({ endpoint: "token_revoke", kind: "status", status: 500 });
    await expect(client.delete(`/api/v2/oauth/tokens/${before.zendeskTokenId}.json`)).rejects.toMatchObject({
      name: "ZendeskError",
      code: "zendesk_error",
    });
    await fixture.sim.control.injectFault({ endpoint: "token_revoke", kind: "close" });
    await expect(client.delete(`/api/v2/oauth/tokens/${before.zendeskTokenId}.json`)).rejects.toMatchObject({
      code: "zendesk_unreachable",
    });
    expect(await storedConnection(connectionId)).toMatchObject({ status: "active", tokenVersion: before.tokenVersion });
    expect(await zendesk(connectionId).me()).toMatchObject({ id: "10001" });
  });
});
