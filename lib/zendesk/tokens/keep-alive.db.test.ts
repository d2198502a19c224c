import { eq, isNotNull } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as cronRoute from "@/app/api/cron/zendesk-refresh/route";
import { db } from "@/db";
import { zendeskConnections } from "@/db/schema";
import { setupTestDatabase } from "@/testing/database";
import { resetEnvForTests } from "@/config/env";
import { checkCronAuthorization, formatKeepAliveSummary, refreshDueConnections } from "./keep-alive";
import {
  connectTestConnection,
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
  it("refreshes only due connections and reports counts without secrets", async () => {
    const fresh = await connectTestConnection(fixture.sim);
    const accessDue = await connectTestConnection(fixture.sim);
    const refreshSoon = await connectTestConnection(fixture.sim);
    const ended = await connectTestConnection(fixture.sim);
    const lapsed = await connectTestConnection(fixture.sim);
    await expireStoredAccessToken(accessDue.connectionId);
    await setExpiry(refreshSoon.connectionId, { refresh: new Date(Date.now() + 3 * DAY) });
    await setExpiry(ended.connectionId, { access: new Date(Date.now() - 1000), status: "needs_reconnect" });
    await setExpiry(lapsed.connectionId, { access: new Date(Date.now() - 1000), refresh: new Date(Date.now() - 1000) });
    await fixture.sim.control.clearLog();

    const summary = await refreshDueConnections();
    expect(summary).toMatchObject({ refreshed: 2, skipped: 0, failed: 1, needsReconnect: 1 });
    expect(summary.results).toHaveLength(3);
    expect(new Set(summary.results.filter((r) => r.outcome === "refreshed").map((r) => r.connectionId))).toEqual(
      new Set([accessDue.connectionId, refreshSoon.connectionId]),
    );
    expect(summary.results.find((r) => r.outcome === "failed")).toMatchObject({
      connectionId: lapsed.connectionId,
      code: "refresh_token_expired",
      needsReconnect: true,
    });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
    expect(await storedConnection(fresh.connectionId)).toMatchObject({ tokenVersion: 1 });
    expect(await storedConnection(ended.connectionId)).toMatchObject({ tokenVersion: 1, status: "needs_reconnect" });
    // The refresh token of refreshSoon got a fresh lifetime (30 days requested).
    expect((await storedConnection(refreshSoon.connectionId)).refreshTokenExpiresAt!.getTime()).toBeGreaterThan(
      Date.now() + 29 * DAY,
    );
    expect(formatKeepAliveSummary(summary)).toBe(
      "zendesk keep-alive: 2 refreshed, 0 skipped, 1 failed (1 need reconnecting, 0 other), 0 with never-expiring tokens to move",
    );
    expect(JSON.stringify(summary)).not.toMatch(/ciphertext|v1\./);

    // Nothing is due any more.
    expect(await refreshDueConnections()).toMatchObject({ refreshed: 0, skipped: 0, failed: 0 });
  });

  it("uses the given clock and limit", async () => {
    for (let i = 0; i < 3; i++) await connectTestConnection(fixture.sim);
    expect(await refreshDueConnections()).toMatchObject({ refreshed: 0, failed: 0 });
    // An hour from now every access token (3600 s) is inside the margin.
    const later = new Date(Date.now() + 3600_000);
    expect(await refreshDueConnections({ now: later, limit: 2 })).toMatchObject({ refreshed: 2, failed: 0 });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
    const versions = await db.select({ v: zendeskConnections.tokenVersion }).from(zendeskConnections);
    expect(versions.map((r) => r.v).sort()).toEqual([1, 2, 2]);
  });

  it("two concurrent runs never refresh a connection twice", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { connectionId } = await connectTestConnection(fixture.sim);
      await expireStoredAccessToken(connectionId);
      ids.push(connectionId);
    }
    // Slow answers keep refreshes in flight while the other run reaches the same rows.
    await fixture.sim.control.setOptions({ latency_ms: 50 });
    await fixture.sim.control.clearLog();
    const [a, b] = await Promise.all([refreshDueConnections(), refreshDueConnections()]);
    expect(a.refreshed + b.refreshed).toBe(6);
    expect(a.failed + b.failed).toBe(0);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(6);
    for (const id of ids) expect((await storedConnection(id)).tokenVersion).toBe(2);
  });

  it("reports a transient failure as not attributable to Zendesk refusing, and keeps the tokens", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireStoredAccessToken(connectionId);
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
    expect(await storedConnection(connectionId)).toMatchObject({ status: "error", tokenVersion: 1 });
    await fixture.sim.control.clearFaults();
    expect(await refreshDueConnections()).toMatchObject({ refreshed: 1, failed: 0 });
    expect(await storedConnection(connectionId)).toMatchObject({ status: "active", lastError: null });
  });
});

describe("POST /api/cron/zendesk-refresh", () => {
  const SECRET = "cron-secret-for-tests-0123456789";
  const post = (authorization?: string) =>
    cronRoute.POST(
      new Request("http://localhost/api/cron/zendesk-refresh", {
        method: "POST",
        headers: authorization ? { authorization } : {},
      }),
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

    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireStoredAccessToken(connectionId);
    const response = await post(`Bearer ${SECRET}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ refreshed: 1, skipped: 0, failed: 0 });
    expect(JSON.stringify(body)).not.toContain(SECRET);
  });
});
