import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import {
  connectTestConnection,
  expireAccessToken,
  grantCount,
  setupZendeskSimulator,
  storedConnection,
} from "@/testing/zendesk";
import { openAccessToken } from "../store/sealed.js";
import { getAccessToken, newLeaseHolder, refreshConnection, refreshIfDue, TOKEN_REASONS } from "./lifecycle.js";
import { type PolicyName, refreshLeaseMs } from "./policy.js";
import { claimForRefresh, renewRequest } from "./renew.js";

/*
 * A renewal that finds another process renewing the row (its lease) waits, then claims the row
 * again and decides on what it finds then (issue #22): the other process's rotation, its verdict,
 * a disconnect's deletion, or a lease nobody will release because its holder died. The other
 * process is played by writing the row as it would have.
 */

setupTestDatabase();
// The shortest HTTP timeout: a refresh lease lasts 5.5 s.
const fixture = setupZendeskSimulator({ httpTimeoutMs: 500 });

async function update(connectionId: string, values: Partial<typeof zendeskConnections.$inferInsert>): Promise<void> {
  await db.update(zendeskConnections).set(values).where(eq(zendeskConnections.id, connectionId));
}

/** An expired connection another process is renewing: its lease is live for a minute. */
async function renewedElsewhere() {
  const { connectionId } = await connectTestConnection(fixture.sim);
  await expireAccessToken(fixture.sim, connectionId);
  await update(connectionId, {
    refreshLeaseHolder: newLeaseHolder("refresh"),
    refreshLeaseExpiresAt: new Date(Date.now() + 60_000),
  });
  await fixture.sim.control.clearLog();
  return { connectionId, before: await storedConnection(connectionId) };
}

/** The other process finishes after `ms`: `values` are what it stores, with its lease released. */
function finishesElsewhere(connectionId: string, ms: number, values: Partial<typeof zendeskConnections.$inferInsert>) {
  return new Promise<void>((resolve) => setTimeout(resolve, ms)).then(() =>
    update(connectionId, { ...values, refreshLeaseHolder: null, refreshLeaseExpiresAt: null }),
  );
}

describe("a renewal waiting for another process's", () => {
  it("takes the rotation the other process stored, without renewing again", async () => {
    const { connectionId, before } = await renewedElsewhere();
    // The other process stores its rotation (a new version; the pair is left as it was here).
    const done = finishesElsewhere(connectionId, 300, {
      tokenVersion: before.tokenVersion + 1,
      accessTokenExpiresAt: new Date(Date.now() + 3_600_000),
    });
    const result = await refreshConnection(connectionId);
    await done;
    expect(result).toMatchObject({ ok: true, refreshed: false });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);
  });

  it("an on-use caller gets the token the other process stored", async () => {
    const { connectionId, before } = await renewedElsewhere();
    const done = finishesElsewhere(connectionId, 300, {
      tokenVersion: before.tokenVersion + 1,
      accessTokenExpiresAt: new Date(Date.now() + 3_600_000),
    });
    const token = await getAccessToken(connectionId);
    await done;
    expect(token).toBe(openAccessToken(before));
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);
  });

  it("is told the connection ended when the other process's verdict ended it", async () => {
    const { connectionId } = await renewedElsewhere();
    const done = finishesElsewhere(connectionId, 300, {
      status: "needs_reconnect",
      statusReason: TOKEN_REASONS.refreshRefused,
    });
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({
      code: "needs_reconnect",
      message: TOKEN_REASONS.refreshRefused,
    });
    await done;
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);
  });

  it("is told the connection is gone when a disconnect removed it meanwhile", async () => {
    const { connectionId } = await renewedElsewhere();
    const done = new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
      db.delete(zendeskConnections).where(eq(zendeskConnections.id, connectionId)),
    );
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({
      code: "connection_not_found",
      message: "This Zendesk connection no longer exists.",
    });
    await done;
  });

  it("waits out the lease of a holder that died, then renews", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    // Taken this instant by a process that then died: nobody releases it.
    await update(connectionId, {
      refreshLeaseHolder: newLeaseHolder("refresh"),
      refreshLeaseExpiresAt: new Date(Date.now() + refreshLeaseMs()),
    });
    const before = await storedConnection(connectionId);
    await getAccessToken(connectionId);
    expect(await storedConnection(connectionId)).toMatchObject({
      tokenVersion: before.tokenVersion + 1,
      refreshLeaseHolder: null,
    });
  }, 15_000);

  it("gives up with a clear message when the row stays taken past any renewal's lease", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    // A disconnect holds it (its lease outlasts a renewal's).
    await update(connectionId, {
      refreshLeaseHolder: newLeaseHolder("disconnect"),
      refreshLeaseExpiresAt: new Date(Date.now() + 60_000),
    });
    await fixture.sim.control.clearLog();
    const started = Date.now();
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({
      code: "refresh_in_progress",
      message: "Another refresh of this Zendesk connection is taking too long; try again shortly.",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(refreshLeaseMs());
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);
  }, 15_000);
});

describe("a connection with no refresh token", () => {
  it("needs a reconnect once its access token expires: nothing is sent to Zendesk", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    await update(connectionId, { refreshTokenCiphertext: null });
    await fixture.sim.control.clearLog();
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({
      code: "needs_reconnect",
      message: TOKEN_REASONS.noRefreshToken,
    });
    expect(await storedConnection(connectionId)).toMatchObject({
      status: "needs_reconnect",
      statusReason: TOKEN_REASONS.noRefreshToken,
      refreshLeaseHolder: null,
    });
    expect((await fixture.sim.control.requestLog()).total).toBe(0);
  });
});

describe("a refresh token Zendesk gave no expiry", () => {
  it("is renewed like any other (it never counts as expired)", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    await update(connectionId, { refreshTokenExpiresAt: null });
    const before = await storedConnection(connectionId);
    await getAccessToken(connectionId);
    expect(await storedConnection(connectionId)).toMatchObject({
      status: "active",
      tokenVersion: before.tokenVersion + 1,
    });
  });
});

describe("a claim decides on the row as it finds it, not as its caller read it", () => {
  // Each is a race between a caller's read of the row and its claim, played by changing the row
  // in between: the claim re-reads it under its lock and decides on that.
  const claim = (policy: PolicyName, connectionId: string, baseVersion: number) =>
    claimForRefresh(
      renewRequest(policy, { connectionId, baseVersion, due: () => true, now: Date.now }),
      newLeaseHolder("refresh"),
    );

  it("a rotation stored since is taken as it is: skipped, no lease, nothing sent", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const before = await storedConnection(connectionId);
    await update(connectionId, { tokenVersion: before.tokenVersion + 1 });
    await fixture.sim.control.clearLog();
    expect(await claim("on_use", connectionId, before.tokenVersion)).toMatchObject({
      kind: "done",
      result: { status: "skipped", row: { id: connectionId, tokenVersion: before.tokenVersion + 1 } },
    });
    expect(await storedConnection(connectionId)).toMatchObject({
      refreshLeaseHolder: null,
      refreshInFlightSince: null,
    });
    expect((await fixture.sim.control.requestLog()).total).toBe(0);
  });

  it("a connection found revoked in Zendesk since is ended, with no new events", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const before = await storedConnection(connectionId);
    // Another process's API call was refused and its renewal told the grant is revoked.
    await update(connectionId, { status: "revoked", statusReason: TOKEN_REASONS.revokedInZendesk });
    expect(await claim("on_use", connectionId, before.tokenVersion)).toEqual({
      kind: "ended",
      error: expect.objectContaining({ code: "token_revoked", message: TOKEN_REASONS.revokedInZendesk }),
      events: [],
    });
    expect(await storedConnection(connectionId)).toMatchObject({ status: "revoked", refreshLeaseHolder: null });
  });

  it("a row deleted since is skipped by the keep-alive and gone for anyone else", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const before = await storedConnection(connectionId);
    await db.delete(zendeskConnections).where(eq(zendeskConnections.id, connectionId));
    // The keep-alive listed it before a disconnect removed it: nothing to report.
    expect(await claim("keep_alive", connectionId, before.tokenVersion)).toEqual({
      kind: "done",
      result: { status: "skipped", row: { id: connectionId, tokenVersion: before.tokenVersion } },
    });
    await expect(claim("on_use", connectionId, before.tokenVersion)).rejects.toMatchObject({
      code: "connection_not_found",
      message: "This Zendesk connection no longer exists.",
    });
  });

  it("a keep-alive's row no longer due is skipped, one backing off answers backoff: nothing is sent", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.clearLog();
    expect(await refreshIfDue(connectionId, () => false)).toBe("skipped");
    await update(connectionId, {
      status: "error",
      refreshFailures: 1,
      nextAttemptAt: new Date(Date.now() + 3_600_000),
    });
    expect(await refreshIfDue(connectionId, () => true)).toBe("backoff");
    expect((await fixture.sim.control.requestLog()).total).toBe(0);
    expect(await storedConnection(connectionId)).toMatchObject({
      refreshLeaseHolder: null,
      refreshInFlightSince: null,
    });
  });
});
