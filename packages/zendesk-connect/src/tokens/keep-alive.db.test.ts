import { randomUUID } from "node:crypto";
import { asc, eq, isNotNull } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dispatch } from "../routes/handlers.js";
import { db } from "../db/index.js";
import { zendeskConnectionEvents, zendeskConnections } from "../db/schema.js";
import { sealConnectionTokens } from "../store/sealed.js";
import type { Subdomain } from "../transport/subdomain.js";
import { setupTestDatabase } from "@/testing/database";
import { resetEnvForTests } from "../config/env.js";
import {
  checkCronAuthorization,
  formatKeepAliveSummary,
  refreshDueConnections,
  unattributedFailures,
} from "./keep-alive.js";
import { refreshConnection, refreshLeaseMs } from "./lifecycle.js";
import {
  connectTestConnection,
  createTestAccount,
  expireStoredAccessToken,
  grantCount,
  setupZendeskSimulator,
  storedConnection,
} from "@/testing/zendesk";

setupTestDatabase();
const fixture = setupZendeskSimulator();

const DAY = 86_400_000;

async function setExpiry(connectionId: string, values: { access?: Date; refresh?: Date; status?: "needs_reconnect" }) {
  await db
    .update(zendeskConnections)
    .set({
      ...(values.access ? { accessTokenExpiresAt: values.access } : {}),
      ...(values.refresh ? { refreshTokenExpiresAt: values.refresh } : {}),
      ...(values.status ? { status: values.status, statusReason: "test" } : {}),
    })
    .where(eq(zendeskConnections.id, connectionId));
}

beforeEach(async () => {
  // Each test decides which connections exist: the job looks at all of them.
  await db.delete(zendeskConnections).where(isNotNull(zendeskConnections.id));
});

describe("refreshDueConnections", () => {
  it("renews refresh tokens near their deadline, not idle access tokens, and reports counts without secrets", async () => {
    const fresh = await connectTestConnection(fixture.sim);
    const accessExpired = await connectTestConnection(fixture.sim);
    const refreshSoon = await connectTestConnection(fixture.sim);
    const ended = await connectTestConnection(fixture.sim);
    const lapsed = await connectTestConnection(fixture.sim);
    await expireStoredAccessToken(accessExpired.connectionId);
    await setExpiry(refreshSoon.connectionId, { refresh: new Date(Date.now() + 3 * DAY) });
    await setExpiry(ended.connectionId, { refresh: new Date(Date.now() + DAY), status: "needs_reconnect" });
    await setExpiry(lapsed.connectionId, { access: new Date(Date.now() - 1000), refresh: new Date(Date.now() - 1000) });
    await fixture.sim.control.clearLog();

    const summary = await refreshDueConnections();
    expect(summary).toMatchObject({ refreshed: 1, skipped: 0, failed: 1, needsReconnect: 1 });
    expect(summary.results.find((r) => r.outcome === "refreshed")?.connectionId).toBe(refreshSoon.connectionId);
    expect(summary.results.find((r) => r.outcome === "failed")).toMatchObject({
      connectionId: lapsed.connectionId,
      code: "refresh_token_expired",
      needsReconnect: true,
    });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    // The idle access token is left to be renewed on use.
    expect(await storedConnection(accessExpired.connectionId)).toMatchObject({ tokenVersion: 1, status: "active" });
    expect(await storedConnection(fresh.connectionId)).toMatchObject({ tokenVersion: 1 });
    expect(await storedConnection(ended.connectionId)).toMatchObject({ tokenVersion: 1, status: "needs_reconnect" });
    // The refresh token of refreshSoon got a fresh lifetime (30 days requested); its lease is released.
    const renewed = await storedConnection(refreshSoon.connectionId);
    expect(renewed.refreshTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 29 * DAY);
    expect(renewed).toMatchObject({ refreshLeaseHolder: null, refreshInFlightSince: null });
    expect(formatKeepAliveSummary(summary)).toBe(
      "zendesk keep-alive: 1 refreshed, 0 skipped, 1 failed (1 need reconnecting, 0 other), 0 with never-expiring tokens to move",
    );
    expect(JSON.stringify(summary)).not.toMatch(/ciphertext|v1\./);
    // The CLI exits non-zero only for failures a refusal does not explain.
    expect(unattributedFailures(summary)).toBe(0);
    expect(unattributedFailures({ ...summary, failed: 3, needsReconnect: 1 })).toBe(2);
    expect(await refreshDueConnections()).toMatchObject({ refreshed: 0, skipped: 0, failed: 0 });
  });

  it("idle connections with distant refresh deadlines cost 0 refresh grants, run after run, over a simulated day", async () => {
    for (let i = 0; i < 3; i++) await connectTestConnection(fixture.sim);
    await fixture.sim.control.clearLog();
    // Every 10 minutes for a day: access tokens (1 h) expire many times over, refresh tokens (30 days) never near.
    for (let minutes = 0; minutes <= 24 * 60; minutes += 120) {
      expect(await refreshDueConnections({ now: new Date(Date.now() + minutes * 60_000) })).toMatchObject({
        refreshed: 0,
        failed: 0,
      });
    }
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);
  });

  it("uses the given clock and limit", async () => {
    for (let i = 0; i < 3; i++) await connectTestConnection(fixture.sim);
    expect(await refreshDueConnections()).toMatchObject({ refreshed: 0, failed: 0 });
    // 24 days from now every refresh token (30 days) is within the 7-day window.
    const later = new Date(Date.now() + 24 * DAY);
    await fixture.sim.control.advanceClock(24 * 86_400);
    expect(await refreshDueConnections({ now: later, limit: 2 })).toMatchObject({ refreshed: 2, failed: 0 });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
    const versions = await db.select({ v: zendeskConnections.tokenVersion }).from(zendeskConnections);
    expect(versions.map((r) => r.v).sort()).toEqual([1, 2, 2]);
  });

  it("warm access tokens (opt-in) also renews access tokens inside the margin", async () => {
    process.env.ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS = "true";
    resetEnvForTests();
    try {
      // The margin is 300 s: one token 4 minutes from its expiry, one 6 minutes away.
      const inside = (await connectTestConnection(fixture.sim)).connectionId;
      const outside = (await connectTestConnection(fixture.sim)).connectionId;
      await setExpiry(inside, { access: new Date(Date.now() + 240_000) });
      await setExpiry(outside, { access: new Date(Date.now() + 360_000) });
      expect(await refreshDueConnections()).toMatchObject({ refreshed: 1, skipped: 0 });
      expect((await storedConnection(inside)).tokenVersion).toBe(2);
      expect((await storedConnection(outside)).tokenVersion).toBe(1);
    } finally {
      delete process.env.ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS;
      resetEnvForTests();
    }
  });

  it("a reserved row renewed by a person before its turn is skipped: its due check is made again at the claim", async () => {
    const first = (await connectTestConnection(fixture.sim)).connectionId;
    const second = (await connectTestConnection(fixture.sim)).connectionId;
    // Both due; the first sorts first (the earliest deadline) and its answer is slow.
    await setExpiry(first, { refresh: new Date(Date.now() + 10 * 60_000) });
    await setExpiry(second, { refresh: new Date(Date.now() + DAY) });
    await fixture.sim.control.clearLog();
    await fixture.sim.control.injectFault({
      endpoint: "token",
      kind: "delay",
      delay_ms: 1000,
      grant_type: "refresh_token",
    });
    const run = refreshDueConnections({ concurrency: 1 });
    // The first one's renewal is at Zendesk (its in-flight marker is set).
    await expect.poll(async () => (await storedConnection(first)).refreshInFlightSince).not.toBeNull();
    // The run reserved both rows for the whole batch: two leases per row per worker's share, plus 5 s.
    const reserved = await storedConnection(second);
    expect(reserved.refreshLeaseHolder).toMatch(/^reserve:/);
    const reservedFor = reserved.refreshLeaseExpiresAt!.getTime() - Date.now();
    expect(reservedFor).toBeGreaterThan(refreshLeaseMs() * 2 * 100);
    expect(reservedFor).toBeLessThanOrEqual(refreshLeaseMs() * 2 * 100 + 5000);
    // Meanwhile a person renews the second (a person's action takes over a reservation).
    expect(await refreshConnection(second, { force: true })).toMatchObject({ ok: true, refreshed: true });
    const summary = await run;
    expect(summary).toMatchObject({ refreshed: 1, skipped: 1, failed: 0 });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
    expect((await storedConnection(second)).tokenVersion).toBe(2);
  });

  it("reserves a batch for its share per worker: two leases per row a worker renews, plus 5 s", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { connectionId } = await connectTestConnection(fixture.sim);
      await setExpiry(connectionId, { refresh: new Date(Date.now() + DAY + i * 60_000) });
      ids.push(connectionId);
    }
    await fixture.sim.control.injectFault({
      endpoint: "token",
      kind: "delay",
      delay_ms: 1500,
      grant_type: "refresh_token",
      times: 3,
    });
    // Up to 10 rows on 2 workers: each worker renews at most 5, so a crashed run's reservations
    // lapse after 5 rows' worth of two leases, not 10's or 20's.
    const run = refreshDueConnections({ limit: 10, concurrency: 2 });
    await expect.poll(async () => (await storedConnection(ids[0]!)).refreshInFlightSince).not.toBeNull();
    const waiting = await storedConnection(ids[2]!);
    expect(waiting.refreshLeaseHolder).toMatch(/^reserve:/);
    const reservedFor = waiting.refreshLeaseExpiresAt!.getTime() - Date.now();
    expect(reservedFor).toBeGreaterThan(refreshLeaseMs() * 2 * 5);
    expect(reservedFor).toBeLessThanOrEqual(refreshLeaseMs() * 2 * 5 + 5000);
    expect(await run).toMatchObject({ refreshed: 3, failed: 0 });
  });

  it("a reserved row that is no longer due, or backs off, at its turn is skipped and its reservation given back", async () => {
    const first = (await connectTestConnection(fixture.sim)).connectionId;
    const renewed = (await connectTestConnection(fixture.sim)).connectionId;
    const failing = (await connectTestConnection(fixture.sim)).connectionId;
    await setExpiry(first, { refresh: new Date(Date.now() + 10 * 60_000) });
    for (const id of [renewed, failing]) await setExpiry(id, { refresh: new Date(Date.now() + DAY) });
    await fixture.sim.control.injectFault({
      endpoint: "token",
      kind: "delay",
      delay_ms: 1000,
      grant_type: "refresh_token",
    });
    const run = refreshDueConnections({ concurrency: 1 });
    await expect.poll(async () => (await storedConnection(first)).refreshInFlightSince).not.toBeNull();
    expect((await storedConnection(renewed)).refreshLeaseHolder).toMatch(/^reserve:/);
    // Meanwhile, without touching the reservations: one row is no longer due (its refresh token was
    // renewed elsewhere), the other entered a back-off.
    await setExpiry(renewed, { refresh: new Date(Date.now() + 30 * DAY) });
    await db
      .update(zendeskConnections)
      .set({ status: "error", refreshFailures: 1, nextAttemptAt: new Date(Date.now() + 3_600_000) })
      .where(eq(zendeskConnections.id, failing));
    expect(await run).toMatchObject({ refreshed: 1, failed: 0 });
    for (const id of [renewed, failing])
      expect(await storedConnection(id)).toMatchObject({ refreshLeaseHolder: null, refreshLeaseExpiresAt: null });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });

  it("two concurrent runs split the work and never refresh a connection twice", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { connectionId } = await connectTestConnection(fixture.sim);
      await setExpiry(connectionId, { refresh: new Date(Date.now() + DAY) });
      ids.push(connectionId);
    }
    // Slow answers keep refreshes in flight while the other run looks for rows.
    await fixture.sim.control.setOptions({ latency_ms: 50 });
    await fixture.sim.control.clearLog();
    const [a, b] = await Promise.all([refreshDueConnections(), refreshDueConnections()]);
    expect(a.refreshed + b.refreshed).toBe(6);
    expect(a.failed + b.failed).toBe(0);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(6);
    for (const id of ids) expect((await storedConnection(id)).tokenVersion).toBe(2);
  });

  it("101 dead accounts (HTML 404) and 1 healthy connection: the healthy one is renewed in the first run", async () => {
    const healthy = await connectTestConnection(fixture.sim);
    await setExpiry(healthy.connectionId, { refresh: new Date(Date.now() + 6 * DAY) });
    await insertDeadConnections(healthy.workspaceId, 101, { failures: 2, nextAttemptAt: new Date(Date.now() - 1000) });
    await fixture.sim.control.clearLog();

    const first = await refreshDueConnections();
    expect(first.results.find((r) => r.connectionId === healthy.connectionId)?.outcome).toBe("refreshed");
    expect(await storedConnection(healthy.connectionId)).toMatchObject({ tokenVersion: 2, status: "active" });
    expect(first).toMatchObject({ refreshed: 1, failed: 99, needsReconnect: 0 });
    const dead = first.results.find((r) => r.outcome === "failed");
    expect(dead).toMatchObject({ code: "unknown_subdomain", needsReconnect: false });
    // The dead ones back off: the next run takes only the one that did not fit, not the 99 again.
    const second = await refreshDueConnections();
    expect(second).toMatchObject({ refreshed: 0, failed: 2 });
  }, 90_000);

  it("back-off doubles per failure and the give-up rule ends a dead account as 'Zendesk account not found'", async () => {
    const { workspaceId } = await createTestAccount();
    const [deadId] = await insertDeadConnections(workspaceId, 1, { failures: 0, nextAttemptAt: null });
    let now = Date.now();
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const run = await refreshDueConnections({ now: new Date(now) });
      expect(run).toMatchObject({ failed: 1, needsReconnect: 0 });
      const row = await storedConnection(deadId!);
      expect(row).toMatchObject({ status: "error", refreshFailures: i + 1 });
      waits.push(row.nextAttemptAt!.getTime() - now);
      // Inside the back-off nothing is tried.
      expect(await refreshDueConnections({ now: new Date(row.nextAttemptAt!.getTime() - 1000) })).toMatchObject({
        failed: 0,
        refreshed: 0,
      });
      now = row.nextAttemptAt!.getTime() + 1000;
    }
    // 60 s base doubling, jittered in the upper quarter.
    expect(waits[0]).toBeGreaterThanOrEqual(45_000);
    expect(waits[0]).toBeLessThanOrEqual(61_000);
    for (let i = 1; i < waits.length; i++) expect(waits[i]! / waits[i - 1]!).toBeGreaterThan(1.4);
    const events = await db
      .select()
      .from(zendeskConnectionEvents)
      .where(eq(zendeskConnectionEvents.connectionId, deadId!))
      .orderBy(asc(zendeskConnectionEvents.id));
    const failedEvent = events.find((e) => e.type === "refresh_failed");
    expect(failedEvent?.data).toMatchObject({ attempts: 1, nextAttemptAt: expect.any(String) });

    // Four and a bit days later it is still failing: Needs reconnect with that reason.
    const final = await refreshDueConnections({ now: new Date(Date.now() + 4 * DAY + 3600_000) });
    expect(final).toMatchObject({ failed: 1, needsReconnect: 1 });
    const ended = await storedConnection(deadId!);
    expect(ended.status).toBe("needs_reconnect");
    expect(ended.statusReason).toMatch(/^Zendesk account not found: for more than 4 days/);
  });

  it("a transient failure backs off and keeps the tokens; the next due run recovers", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await setExpiry(connectionId, { refresh: new Date(Date.now() + DAY) });
    await fixture.sim.control.injectFault({
      endpoint: "token",
      grant_type: "refresh_token",
      kind: "status",
      status: 503,
      times: 10,
    });
    const summary = await refreshDueConnections();
    expect(summary).toMatchObject({ refreshed: 0, failed: 1, needsReconnect: 0 });
    expect(summary.results[0]).toMatchObject({ outcome: "failed", code: "zendesk_error", needsReconnect: false });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2); // one quick retry, no more
    const failed = await storedConnection(connectionId);
    expect(failed).toMatchObject({ status: "error", tokenVersion: 1, refreshFailures: 1, refreshLeaseHolder: null });
    await fixture.sim.control.clearFaults();
    expect(await refreshDueConnections()).toMatchObject({ refreshed: 0, failed: 0 }); // in back-off
    const after = new Date(failed.nextAttemptAt!.getTime() + 1000);
    expect(await refreshDueConnections({ now: after })).toMatchObject({ refreshed: 1, failed: 0 });
    expect(await storedConnection(connectionId)).toMatchObject({
      status: "active",
      lastError: null,
      refreshFailures: 0,
      nextAttemptAt: null,
    });
  });

  it("a missing client and an undecryptable refresh token write a status (never left active)", async () => {
    const a = await connectTestConnection(fixture.sim);
    const b = await connectTestConnection(fixture.sim);
    for (const c of [a, b]) await setExpiry(c.connectionId, { refresh: new Date(Date.now() + DAY) });
    // b's refresh token sealed for another row: it cannot be opened.
    await db
      .update(zendeskConnections)
      .set({ refreshTokenCiphertext: (await storedConnection(a.connectionId)).refreshTokenCiphertext })
      .where(eq(zendeskConnections.id, b.connectionId));
    const saved = process.env.ZENDESK_CLIENT_ID;
    const savedSecret = process.env.ZENDESK_CLIENT_SECRET;
    delete process.env.ZENDESK_CLIENT_ID;
    delete process.env.ZENDESK_CLIENT_SECRET;
    resetEnvForTests();
    try {
      const summary = await refreshDueConnections();
      expect(summary.failed).toBe(2);
    } finally {
      process.env.ZENDESK_CLIENT_ID = saved;
      process.env.ZENDESK_CLIENT_SECRET = savedSecret;
      resetEnvForTests();
    }
    const rowA = await storedConnection(a.connectionId);
    expect(rowA).toMatchObject({ status: "error", lastError: expect.stringMatching(/global Zendesk OAuth client/) });
    expect(rowA.nextAttemptAt).not.toBeNull();
    const rowB = await storedConnection(b.connectionId);
    expect(rowB).toMatchObject({ status: "error", lastError: expect.stringMatching(/cannot be decrypted/) });
  });
});

/** Connections to Zendesk accounts that no longer exist (the simulator answers their every path with an HTML 404). */
async function insertDeadConnections(
  workspaceId: string,
  count: number,
  o: { failures: number; nextAttemptAt: Date | null },
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    ids.push(id);
    await db.insert(zendeskConnections).values({
      id,
      workspaceId,
      subdomain: `closed-${String(i).padStart(3, "0")}` as Subdomain,
      requestedScopes: ["read"],
      grantedScopes: ["read"],
      ...sealConnectionTokens(id, { accessToken: `dead-access-${i}`, refreshToken: `dead-refresh-${i}` }),
      accessTokenExpiresAt: new Date(Date.now() - 10 * DAY),
      refreshTokenExpiresAt: new Date(Date.now() + 6 * DAY),
      status: o.failures > 0 ? "error" : "active",
      lastError: o.failures > 0 ? "Zendesk has no account at this address" : null,
      refreshFailures: o.failures,
      failingSince: o.failures > 0 ? new Date(Date.now() - 3600_000) : null,
      nextAttemptAt: o.nextAttemptAt,
    });
  }
  return ids;
}

describe("POST /api/zendesk-connect/cron", () => {
  const SECRET = "cron-secret-for-tests-0123456789";
  const noHost = {
    currentMember: async () => null,
    canManage: async () => false,
    signInPath: () => "/login",
  };
  const post = (authorization?: string) =>
    dispatch(
      "POST",
      new Request("http://localhost/api/zendesk-connect/cron", {
        method: "POST",
        headers: authorization ? { authorization } : {},
      }),
      noHost,
    );

  afterEach(() => {
    delete process.env.CRON_SECRET;
    resetEnvForTests();
  });

  it("answers 503 while CRON_SECRET is unset", async () => {
    delete process.env.CRON_SECRET;
    resetEnvForTests();
    expect((await post(`Bearer ${SECRET}`)).status).toBe(503);
  });

  it("answers 401 to a missing or wrong secret, and runs the job with the right one", async () => {
    process.env.CRON_SECRET = SECRET;
    resetEnvForTests();
    expect((await post()).status).toBe(401);
    expect((await post(`Bearer ${SECRET}x`)).status).toBe(401);
    expect((await post(`Basic ${SECRET}`)).status).toBe(401);
    expect((await post("Bearer ")).status).toBe(401);
    expect(checkCronAuthorization(`Bearer ${SECRET.slice(0, -1)}`)).toBe("unauthorized");
    expect(checkCronAuthorization(`Bearer ${SECRET}`)).toBe("ok");
    expect(checkCronAuthorization(`xBearer ${SECRET}`)).toBe("unauthorized");
    expect(checkCronAuthorization(null)).toBe("unauthorized");

    const { connectionId } = await connectTestConnection(fixture.sim);
    await setExpiry(connectionId, { refresh: new Date(Date.now() + DAY) });
    const response = await post(`Bearer ${SECRET}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ refreshed: 1, skipped: 0, failed: 0 });
    expect(JSON.stringify(body)).not.toContain(SECRET);
  });
});
