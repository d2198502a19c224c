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
import { getAccessToken, newLeaseHolder, refreshConnection, refreshIfDue, renewRejectedToken } from "./lifecycle.js";
import { inFlight } from "./renew.js";

/** Polls a condition every few milliseconds; fails after two seconds. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("the condition never held");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/*
 * One renewal in flight per connection in a process is shared only with callers that asked for the
 * same thing (issue #22): a caller whose request the shared result does not answer runs its own.
 */

setupTestDatabase();
const fixture = setupZendeskSimulator({ httpTimeoutMs: 500 });

const transient = { endpoint: "token", grant_type: "refresh_token", kind: "status", status: 503, times: 100 } as const;

async function failingConnection() {
  const connected = await connectTestConnection(fixture.sim);
  await expireAccessToken(fixture.sim, connected.connectionId);
  await fixture.sim.control.injectFault(transient);
  await expect(getAccessToken(connected.connectionId)).rejects.toMatchObject({ code: "zendesk_error" });
  await fixture.sim.control.clearFaults();
  const failed = await storedConnection(connected.connectionId);
  expect(failed.status).toBe("error");
  expect(failed.nextAttemptAt).not.toBeNull();
  return connected;
}

describe("single-flight joins only compatible requests", () => {
  it("a rejected token never gets back the token Zendesk just rejected from a keep-alive that found the row busy", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const before = await storedConnection(connectionId);
    // Another process holds the lease for a moment (it then crashes: its lease lapses).
    await db
      .update(zendeskConnections)
      .set({ refreshLeaseHolder: newLeaseHolder("refresh"), refreshLeaseExpiresAt: new Date(Date.now() + 300) })
      .where(eq(zendeskConnections.id, connectionId));

    const keepAlive = refreshIfDue(connectionId, () => true);
    const rejected = renewRejectedToken(connectionId, before.tokenVersion);
    expect(await keepAlive).toBe("busy");
    const renewed = await rejected;
    expect(renewed.tokenVersion).toBe(before.tokenVersion + 1);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });

  it("Refresh now joining an automatic renewal that backs off still refreshes", async () => {
    const { connectionId } = await failingConnection();
    await fixture.sim.control.clearLog();
    // Another holder's lease for a moment keeps the on-use renewal in flight (waiting for it to
    // lapse) until Refresh now has joined it: the order of the two is fixed, not left to timing.
    await db
      .update(zendeskConnections)
      .set({ refreshLeaseHolder: newLeaseHolder("refresh"), refreshLeaseExpiresAt: new Date(Date.now() + 300) })
      .where(eq(zendeskConnections.id, connectionId));
    const onUse = getAccessToken(connectionId);
    await until(() => inFlight.has(connectionId));
    const manual = refreshConnection(connectionId, { force: true });
    await expect(onUse).rejects.toMatchObject({ message: /next automatic attempt/ });
    const result = await manual;
    expect(result).toMatchObject({ ok: true, refreshed: true });
    if (result.ok) expect(result.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });
});

describe("a token the API rejected", () => {
  it("is not renewed while automatic renewals back off: the caller is told when the next attempt is", async () => {
    const { connectionId } = await failingConnection();
    const failed = await storedConnection(connectionId);
    await fixture.sim.control.clearLog();
    await expect(renewRejectedToken(connectionId, failed.tokenVersion)).rejects.toMatchObject({
      code: "zendesk_error",
      message: expect.stringContaining(`The next automatic attempt is at ${failed.nextAttemptAt!.toISOString()}`),
    });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);
  });

  it("that someone renewed meanwhile gets the renewed token, without another renewal", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const before = await storedConnection(connectionId);
    expect(await refreshConnection(connectionId, { force: true })).toMatchObject({ ok: true, refreshed: true });
    const renewed = await renewRejectedToken(connectionId, before.tokenVersion);
    expect(renewed.tokenVersion).toBe(before.tokenVersion + 1);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });
});

describe("joiners in one process", () => {
  const slowRefresh = { endpoint: "token", grant_type: "refresh_token", kind: "delay", delay_ms: 300 } as const;

  it("two Refresh nows at once: one renewal at Zendesk, and only the one that made it says it refreshed", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault(slowRefresh);
    const first = refreshConnection(connectionId, { force: true });
    await until(() => inFlight.has(connectionId));
    const second = refreshConnection(connectionId, { force: true });
    const results = await Promise.all([first, second]);
    expect(results.map((r) => r.ok && r.refreshed)).toEqual([true, false]);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });

  it("a Refresh now arriving during an on-use renewal takes the rotation it brought, without renewing again", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const before = await storedConnection(connectionId);
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.injectFault(slowRefresh);
    const onUse = getAccessToken(connectionId);
    await until(() => inFlight.has(connectionId));
    const manual = await refreshConnection(connectionId, { force: true });
    await onUse;
    // Not a renewal of its own: the on-use one rotated the pair it asked about.
    expect(manual).toMatchObject({ ok: true, refreshed: false });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    expect(await storedConnection(connectionId)).toMatchObject({ tokenVersion: before.tokenVersion + 1 });
  });

  it("two keep-alive renewals at once: the joiner reports skipped, not refreshed", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault(slowRefresh);
    const first = refreshIfDue(connectionId, () => true);
    await until(() => inFlight.has(connectionId));
    const second = refreshIfDue(connectionId, () => true);
    expect(await Promise.all([first, second])).toEqual(["refreshed", "skipped"]);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });

  it("a keep-alive arriving during an on-use renewal reports the rotation it brought as skipped", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.injectFault(slowRefresh);
    const onUse = getAccessToken(connectionId);
    await until(() => inFlight.has(connectionId));
    expect(await refreshIfDue(connectionId, () => true)).toBe("skipped");
    await onUse;
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });

  it("callers on use share a failure: one renewal's attempts at Zendesk, and every caller gets its answer", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.injectFault(transient);
    // Slow answers keep the first renewal in flight while the others join it.
    await fixture.sim.control.setOptions({ latency_ms: 200 });
    const first = getAccessToken(connectionId).catch((error: unknown) => error);
    await until(() => inFlight.has(connectionId));
    const others = Array.from({ length: 9 }, () => getAccessToken(connectionId).catch((error: unknown) => error));
    const errors = await Promise.all([first, ...others]);
    for (const error of errors)
      expect(error).toMatchObject({ code: "zendesk_error", message: expect.stringMatching(/^Could not renew/) });
    // Its one quick retry: not one renewal per caller, nor a back-off answer for the joiners.
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
  });
});
