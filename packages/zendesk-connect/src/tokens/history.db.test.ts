import { randomUUID } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnectionEvents, zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { type ConnectionEvent, onConnectionEvent } from "../store/events.js";
import {
  connectTestConnection,
  expireAccessToken,
  grantCount,
  setupZendeskSimulator,
  storedConnection,
} from "@/testing/zendesk";
import { getAccessToken, markRenewedTokenRejected, refreshConnection, TOKEN_REASONS } from "./lifecycle.js";
import { ZendeskError } from "../transport/errors.js";
import { settleAfterResponse } from "../after-response.js";
import { resetEnvForTests } from "../config/env.js";

/*
 * What each state transition writes into a connection's history, word for word: the history is what
 * an admin and an operator read to learn what happened (issue #22), and listeners (webhooks,
 * telemetry) are told the same events in the same order. Also: each transition gives back the lease
 * of the caller that holds one, and refuses to write onto a row whose grant changed.
 */

setupTestDatabase();
const fixture = setupZendeskSimulator();

const heard: ConnectionEvent[] = [];
let off: () => void;
beforeEach(() => {
  heard.length = 0;
  off = onConnectionEvent((event) => void heard.push(event));
});
afterEach(() => off());

const RENEWAL_EVENTS = ["refresh_failed", "refreshed", "needs_reconnect", "revoked"];

const unavailable = {
  endpoint: "token",
  grant_type: "refresh_token",
  kind: "status",
  status: 503,
  times: 100,
} as const;

/** The connection's renewal history, oldest first (the connect's own events left out). */
async function renewalHistory(connectionId: string) {
  const rows = await db
    .select()
    .from(zendeskConnectionEvents)
    .where(eq(zendeskConnectionEvents.connectionId, connectionId))
    .orderBy(asc(zendeskConnectionEvents.id));
  return rows
    .filter((e) => RENEWAL_EVENTS.includes(e.type))
    .map(({ type, detail, data, actorUserId }) => ({ type, detail, data, actorUserId }));
}

/** What listeners were told about the connection, once the notifications (off the caller's path) ran. */
async function heardOf(connectionId: string) {
  await settleAfterResponse();
  return heard
    .filter((e) => e.connectionId === connectionId && RENEWAL_EVENTS.includes(e.type))
    .map(({ type, detail, data, actorUserId }) => ({ type, detail, data: data ?? null, actorUserId }));
}

describe("a failing run, a failed Refresh now, then a recovery", () => {
  it("says how many attempts each made, how many failures in a row, when the next one is, and that it recovered", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.injectFault(unavailable);

    // On use: one quick retry, so two attempts.
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: "zendesk_error" });
    const first = await storedConnection(connectionId);
    expect(first).toMatchObject({ status: "error", refreshFailures: 1, refreshLeaseHolder: null });
    // A person's Refresh now: one attempt.
    expect(await refreshConnection(connectionId, { force: true, actorUserId: "admin-1" })).toMatchObject({
      ok: false,
    });
    const second = await storedConnection(connectionId);
    expect(second).toMatchObject({ status: "error", refreshFailures: 2, refreshLeaseHolder: null });
    await fixture.sim.control.clearFaults();
    expect(await refreshConnection(connectionId, { force: true, actorUserId: "admin-1" })).toMatchObject({
      ok: true,
      refreshed: true,
    });
    const recovered = await storedConnection(connectionId);

    const failure = { kind: "server_error", status: 503 };
    const expected = [
      {
        type: "refresh_failed",
        actorUserId: null,
        detail: `${first.lastError} (2 attempts this time, 1 failure in a row; the stored tokens are unchanged; next automatic attempt at ${first.nextAttemptAt!.toISOString()})`,
        data: {
          trigger: "on_demand",
          failure,
          attempts: 1,
          attemptsThisRun: 2,
          nextAttemptAt: first.nextAttemptAt!.toISOString(),
        },
      },
      {
        type: "refresh_failed",
        actorUserId: "admin-1",
        detail: `${second.lastError} (1 attempt this time, 2 failures in a row; the stored tokens are unchanged; next automatic attempt at ${second.nextAttemptAt!.toISOString()})`,
        data: {
          trigger: "manual",
          failure,
          attempts: 2,
          attemptsThisRun: 1,
          nextAttemptAt: second.nextAttemptAt!.toISOString(),
        },
      },
      {
        type: "refreshed",
        actorUserId: "admin-1",
        detail: `Access token renewed; it expires at ${recovered.accessTokenExpiresAt!.toISOString()}`,
        data: {
          trigger: "manual",
          tokenVersion: first.tokenVersion + 1,
          recoveredFromError: true,
          grantType: "refresh_token",
        },
      },
    ];
    expect(await renewalHistory(connectionId)).toEqual(expected);
    expect(await heardOf(connectionId)).toEqual(expected);
  });

  it("a renewal of a healthy connection is not a recovery", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    expect(await refreshConnection(connectionId, { force: true })).toMatchObject({ ok: true, refreshed: true });
    expect(await renewalHistory(connectionId)).toEqual([
      expect.objectContaining({
        type: "refreshed",
        data: expect.objectContaining({ trigger: "manual", recoveredFromError: false }),
      }),
    ]);
  });
});

describe("Zendesk's verdict", () => {
  it("records the refused attempt and the end, with no next attempt, and gives the lease back", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.injectFault({
      endpoint: "token",
      grant_type: "refresh_token",
      kind: "status",
      status: 400,
      body: { error: "invalid_grant" },
    });
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: "needs_reconnect" });

    const ended = await storedConnection(connectionId);
    expect(ended).toMatchObject({ status: "needs_reconnect", refreshLeaseHolder: null, refreshLeaseExpiresAt: null });
    const data = { trigger: "on_demand", failure: { kind: "oauth", status: 400, error: "invalid_grant" } };
    const expected = [
      {
        type: "refresh_failed",
        actorUserId: null,
        detail: ended.lastError,
        data: { ...data, attempts: 1, nextAttemptAt: null },
      },
      { type: "needs_reconnect", actorUserId: null, detail: TOKEN_REASONS.refreshRefused, data },
    ];
    expect(await renewalHistory(connectionId)).toEqual(expected);
    expect(await heardOf(connectionId)).toEqual(expected);
  });
});

describe("a failure on our side", () => {
  it("is recorded as ours, with its code, and backs off like Zendesk's", async () => {
    const a = await connectTestConnection(fixture.sim);
    const b = await connectTestConnection(fixture.sim);
    // b's refresh token sealed for another row: this app cannot open it.
    await db
      .update(zendeskConnections)
      .set({ refreshTokenCiphertext: (await storedConnection(a.connectionId)).refreshTokenCiphertext })
      .where(eq(zendeskConnections.id, b.connectionId));
    await expireAccessToken(fixture.sim, b.connectionId);
    await expect(getAccessToken(b.connectionId)).rejects.toMatchObject({ code: "storage_failed" });

    const failed = await storedConnection(b.connectionId);
    expect(failed).toMatchObject({ status: "error", lastError: TOKEN_REASONS.undecryptable, refreshFailures: 1 });
    expect(await renewalHistory(b.connectionId)).toEqual([
      {
        type: "refresh_failed",
        actorUserId: null,
        detail: `${TOKEN_REASONS.undecryptable} (0 attempts this time, 1 failure in a row; the stored tokens are unchanged; next automatic attempt at ${failed.nextAttemptAt!.toISOString()})`,
        data: {
          trigger: "on_demand",
          failure: { kind: "local", code: "storage_failed" },
          attempts: 1,
          attemptsThisRun: 0,
          nextAttemptAt: failed.nextAttemptAt!.toISOString(),
        },
      },
    ]);
  });
});

describe("an OAuth client that is missing, found after the claim", () => {
  it("withdraws the claim's in-flight marker (nothing reached Zendesk) and backs off", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    const saved = { id: process.env.ZENDESK_CLIENT_ID, secret: process.env.ZENDESK_CLIENT_SECRET };
    delete process.env.ZENDESK_CLIENT_ID;
    delete process.env.ZENDESK_CLIENT_SECRET;
    resetEnvForTests();
    try {
      await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: "no_client" });
    } finally {
      process.env.ZENDESK_CLIENT_ID = saved.id;
      process.env.ZENDESK_CLIENT_SECRET = saved.secret;
      resetEnvForTests();
    }
    const failed = await storedConnection(connectionId);
    expect(failed).toMatchObject({
      status: "error",
      refreshFailures: 1,
      refreshInFlightSince: null,
      refreshLeaseHolder: null,
    });
    expect(failed.nextAttemptAt).not.toBeNull();
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);
  });
});

describe("failing for longer than ZENDESK_REFRESH_GIVE_UP_DAYS", () => {
  async function failingForDays(days: number, prepare?: (connectionId: string) => Promise<void>) {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await prepare?.(connectionId);
    await expireAccessToken(fixture.sim, connectionId);
    await db
      .update(zendeskConnections)
      .set({
        status: "error",
        lastError: "Zendesk did not answer in time",
        refreshFailures: 3,
        failingSince: new Date(Date.now() - days * 86_400_000),
      })
      .where(eq(zendeskConnections.id, connectionId));
    await fixture.sim.control.injectFault(unavailable);
    await refreshConnection(connectionId, { force: true });
    return connectionId;
  }

  it("ends the connection with the last error, and the history says it gave up", async () => {
    // The default is 4 days.
    const connectionId = await failingForDays(4.1);
    const ended = await storedConnection(connectionId);
    const reason = TOKEN_REASONS.gaveUp(4, ended.lastError!);
    expect(ended).toMatchObject({
      status: "needs_reconnect",
      statusReason: reason,
      refreshFailures: 4,
      nextAttemptAt: null,
      refreshLeaseHolder: null,
    });
    const data = {
      trigger: "manual",
      failure: { kind: "server_error", status: 503 },
      attempts: 4,
      nextAttemptAt: null,
      gaveUp: true,
    };
    const expected = [
      { type: "refresh_failed", actorUserId: null, detail: ended.lastError, data },
      { type: "needs_reconnect", actorUserId: null, detail: reason, data },
    ];
    expect(await renewalHistory(connectionId)).toEqual(expected);
    expect(await heardOf(connectionId)).toEqual(expected);
  });

  it("a failure on our side gives up the same way, naming it", async () => {
    const other = await connectTestConnection(fixture.sim);
    const connectionId = await failingForDays(4.1, async (id) => {
      await db
        .update(zendeskConnections)
        .set({ refreshTokenCiphertext: (await storedConnection(other.connectionId)).refreshTokenCiphertext })
        .where(eq(zendeskConnections.id, id));
    });
    expect(await storedConnection(connectionId)).toMatchObject({
      status: "needs_reconnect",
      statusReason: TOKEN_REASONS.gaveUp(4, TOKEN_REASONS.undecryptable),
    });
  });

  it("not before: a connection failing for less keeps backing off", async () => {
    const connectionId = await failingForDays(3.9);
    expect(await storedConnection(connectionId)).toMatchObject({ status: "error", refreshFailures: 4 });
  });
});

describe("an access token Zendesk refused right after issuing it", () => {
  it("ends an active or failing connection with that reason", async () => {
    for (const status of ["active", "error"] as const) {
      const { connectionId } = await connectTestConnection(fixture.sim);
      await db.update(zendeskConnections).set({ status }).where(eq(zendeskConnections.id, connectionId));
      const { tokenVersion } = await storedConnection(connectionId);
      const error = await markRenewedTokenRejected(connectionId, tokenVersion);
      expect(error).toBeInstanceOf(ZendeskError);
      expect(error).toMatchObject({
        code: "needs_reconnect",
        message: TOKEN_REASONS.freshTokenRejected,
        failure: { kind: "invalid_token" },
      });

      const ended = await storedConnection(connectionId);
      expect(ended).toMatchObject({ status: "needs_reconnect", statusReason: TOKEN_REASONS.freshTokenRejected });
      const data = { trigger: "rejected", failure: { kind: "invalid_token" } };
      const expected = [
        {
          type: "refresh_failed",
          actorUserId: null,
          detail: ended.lastError,
          data: { ...data, attempts: 1, nextAttemptAt: null },
        },
        { type: "needs_reconnect", actorUserId: null, detail: TOKEN_REASONS.freshTokenRejected, data },
      ];
      expect(await renewalHistory(connectionId)).toEqual(expected);
      expect(await heardOf(connectionId)).toEqual(expected);
    }
  });

  it("leaves alone a connection renewed since, one already ended, and one that is gone", async () => {
    const renewed = await connectTestConnection(fixture.sim);
    const { tokenVersion } = await storedConnection(renewed.connectionId);
    expect(await refreshConnection(renewed.connectionId, { force: true })).toMatchObject({ ok: true });
    await markRenewedTokenRejected(renewed.connectionId, tokenVersion);
    expect(await storedConnection(renewed.connectionId)).toMatchObject({ status: "active", statusReason: null });

    const revoked = await connectTestConnection(fixture.sim);
    await db
      .update(zendeskConnections)
      .set({ status: "revoked", statusReason: "Revoked in Zendesk." })
      .where(eq(zendeskConnections.id, revoked.connectionId));
    const revokedRow = await storedConnection(revoked.connectionId);
    await settleAfterResponse();
    heard.length = 0;
    await markRenewedTokenRejected(revoked.connectionId, revokedRow.tokenVersion);
    // Nothing written, nothing told.
    await settleAfterResponse();
    expect(heard).toEqual([]);
    expect(await storedConnection(revoked.connectionId)).toMatchObject({
      status: "revoked",
      statusReason: "Revoked in Zendesk.",
    });
    expect(await renewalHistory(revoked.connectionId)).toEqual([]);

    await expect(markRenewedTokenRejected(randomUUID(), 1)).resolves.toMatchObject({ code: "needs_reconnect" });
  });
});
