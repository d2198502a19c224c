import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnectionEvents, zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { disconnectConnection, MANUAL_REVOCATION_STEPS } from "./disconnect.js";
import { connectTestConnection, expireAccessToken, grantCount, setupZendeskSimulator } from "@/testing/zendesk";
import { refreshConnection } from "../tokens/lifecycle.js";

setupTestDatabase();
const fixture = setupZendeskSimulator({ httpTimeoutMs: 1000 });

async function eventsOf(workspaceId: string) {
  const rows = await db
    .select()
    .from(zendeskConnectionEvents)
    .where(eq(zendeskConnectionEvents.workspaceId, workspaceId));
  return rows.map((r) => r.type);
}

async function connectionExists(id: string) {
  return (
    (await db.select({ id: zendeskConnections.id }).from(zendeskConnections).where(eq(zendeskConnections.id, id)))
      .length === 1
  );
}

describe("disconnectConnection", () => {
  it("revokes the token at Zendesk by its id, then deletes the connection and keeps its history", async () => {
    const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(1);

    const result = await disconnectConnection(connectionId, userId);

    expect(result).toEqual({
      ok: true,
      subdomain: "acme",
      tokenId: expect.stringMatching(/^\d+$/),
      revocation: { status: "revoked", method: "by_id" },
    });
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(0);
    const log = await fixture.sim.control.requestLog();
    const revoke = log.entries.filter((e) => e.endpoint === "token_revoke");
    expect(revoke).toHaveLength(1);
    expect(revoke[0]!.path).toMatch(/\/api\/v2\/oauth\/tokens\/\d+\.json$/);
    expect(revoke[0]!.status).toBe(204);
    expect(await connectionExists(connectionId)).toBe(false);
    expect(await eventsOf(workspaceId)).toEqual(expect.arrayContaining(["connected", "revoked", "disconnected"]));
  });

  it("revokes the rotated token after a refresh", async () => {
    const { connectionId, userId } = await connectTestConnection(fixture.sim);
    expect((await refreshConnection(connectionId, { force: true })).ok).toBe(true);
    const result = await disconnectConnection(connectionId, userId);
    expect(result).toMatchObject({ ok: true, revocation: { status: "revoked" } });
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(0);
  });

  it("when Zendesk fails the revocation, still removes the connection and records why", async () => {
    const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault({ endpoint: "token_revoke", kind: "status", status: 503, times: 1 });

    const result = await disconnectConnection(connectionId, userId);

    expect(result).toMatchObject({
      ok: true,
      revocation: { status: "failed", reason: expect.stringContaining("HTTP 503") },
    });
    expect(await connectionExists(connectionId)).toBe(false);
    // Zendesk still holds the token: that is what the admin is told to clean up.
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(1);
    expect(await eventsOf(workspaceId)).toEqual(expect.arrayContaining(["revocation_failed", "disconnected"]));
  });

  it("when Zendesk cannot be reached, still removes the connection", async () => {
    const { connectionId, userId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault({ endpoint: "token_revoke", kind: "close", times: 1 });
    const result = await disconnectConnection(connectionId, userId);
    expect(result).toMatchObject({ ok: true, revocation: { status: "failed" } });
    expect(await connectionExists(connectionId)).toBe(false);
  });

  it("an expired access token is renewed once under the claim, then the new pair is revoked", async () => {
    const { connectionId, userId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.clearLog();
    const result = await disconnectConnection(connectionId, userId);
    expect(result).toMatchObject({ ok: true, revocation: { status: "revoked" } });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    // Nothing of the connection stays live at Zendesk.
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(0);
  });

  for (const revokes of [false, true]) {
    it(`without a token id: DELETE current.json, then one call to check (revoke_on_delete_current ${revokes})`, async () => {
      const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
      await db.update(zendeskConnections).set({ zendeskTokenId: null }).where(eq(zendeskConnections.id, connectionId));
      await fixture.sim.control.setOptions({ revoke_on_delete_current: revokes });
      await fixture.sim.control.clearLog();
      const result = await disconnectConnection(connectionId, userId);
      expect(result).toMatchObject({
        ok: true,
        revocation: { status: "revoked", method: revokes ? "current_json" : "by_id_after_current_json" },
      });
      expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(0);
      const log = await fixture.sim.control.requestLog();
      const calls = log.entries.map((e) => `${e.method} ${e.endpoint} ${e.status}`);
      expect(calls.slice(0, 2)).toEqual(["DELETE token_revoke 204", revokes ? "GET users_me 401" : "GET users_me 200"]);
      if (!revokes) expect(calls.slice(2)).toEqual(["GET tokens_current 200", "DELETE token_revoke 204"]);
      const [revoked] = await db
        .select()
        .from(zendeskConnectionEvents)
        .where(and(eq(zendeskConnectionEvents.workspaceId, workspaceId), eq(zendeskConnectionEvents.type, "revoked")));
      expect(revoked?.detail).toMatch(/current\.json/);
    });
  }

  it("without a token id and with current.json missing, a DELETE current.json that does not revoke is reported as failed", async () => {
    const { connectionId, userId } = await connectTestConnection(fixture.sim);
    await db.update(zendeskConnections).set({ zendeskTokenId: null }).where(eq(zendeskConnections.id, connectionId));
    await fixture.sim.control.setOptions({ tokens_current: { acme: "missing" } });
    const result = await disconnectConnection(connectionId, userId);
    expect(result).toMatchObject({
      ok: true,
      revocation: { status: "failed", reason: expect.stringMatching(/still works/) },
    });
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(1);
  });

  it("waits for a refresh in flight and revokes the pair it stored (never the replaced one)", async () => {
    const { connectionId, userId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault({
      endpoint: "token",
      grant_type: "refresh_token",
      kind: "delay",
      delay_ms: 400,
    });
    const refreshing = refreshConnection(connectionId, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const result = await disconnectConnection(connectionId, userId);
    expect((await refreshing).ok).toBe(true);
    expect(result).toMatchObject({ ok: true, revocation: { status: "revoked" } });
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(0);
  });

  it("a token already revoked in Zendesk needs no revocation", async () => {
    const { connectionId, userId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.revokeToken({ subdomain: "acme" });
    const result = await disconnectConnection(connectionId, userId);
    expect(result).toMatchObject({ ok: true, revocation: { status: "not_needed" } });
    expect(await connectionExists(connectionId)).toBe(false);
  });

  it("an unknown connection is reported, not thrown", async () => {
    const result = await disconnectConnection("00000000-0000-4000-8000-000000000000", null);
    expect(result).toMatchObject({ ok: false, code: "connection_not_found" });
  });
});

describe("the history a disconnect writes", () => {
  /** The connection's history after it was connected, as an admin reads it. */
  async function historyAfterConnect(workspaceId: string) {
    const rows = await db
      .select()
      .from(zendeskConnectionEvents)
      .where(eq(zendeskConnectionEvents.workspaceId, workspaceId))
      .orderBy(zendeskConnectionEvents.createdAt);
    return rows
      .filter((r) => r.type !== "connected")
      .map((r) => ({ type: r.type, detail: r.detail, data: r.data, actorUserId: r.actorUserId }));
  }

  it("names how the token was revoked: by its id", async () => {
    const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
    await disconnectConnection(connectionId, userId);
    expect(await historyAfterConnect(workspaceId)).toStrictEqual([
      {
        type: "revoked",
        detail: "Token revoked in Zendesk on disconnect",
        data: { method: "by_id" },
        actorUserId: userId,
      },
      {
        type: "disconnected",
        detail: "Disconnected",
        data: { revocation: "revoked", method: "by_id" },
        actorUserId: userId,
      },
    ]);
  });

  for (const [revokes, method, detail] of [
    [
      true,
      "current_json",
      "Token revoked in Zendesk on disconnect (DELETE tokens/current.json, checked: Zendesk now refuses it)",
    ],
    [
      false,
      "by_id_after_current_json",
      "Token revoked in Zendesk on disconnect (DELETE tokens/current.json left it working; revoked by its id)",
    ],
  ] as const) {
    it(`names how the token was revoked: ${method}`, async () => {
      const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
      await db.update(zendeskConnections).set({ zendeskTokenId: null }).where(eq(zendeskConnections.id, connectionId));
      await fixture.sim.control.setOptions({ revoke_on_delete_current: revokes });
      await disconnectConnection(connectionId, userId);
      expect(await historyAfterConnect(workspaceId)).toStrictEqual([
        { type: "revoked", detail, data: { method }, actorUserId: userId },
        { type: "disconnected", detail: "Disconnected", data: { revocation: "revoked", method }, actorUserId: userId },
      ]);
    });
  }

  it("a failed revocation says the token may still be valid, with Zendesk's answer", async () => {
    const { connectionId, workspaceId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault({ endpoint: "token_revoke", kind: "status", status: 503, times: 5 });
    const result = await disconnectConnection(connectionId, null);
    if (!result.ok || result.revocation.status !== "failed") throw new Error("expected a failed revocation");
    expect(await historyAfterConnect(workspaceId)).toStrictEqual([
      { type: "revocation_failed", detail: result.revocation.reason, data: null, actorUserId: null },
      {
        type: "disconnected",
        detail: "Disconnected here; the token may still be valid in Zendesk",
        data: { revocation: "failed" },
        actorUserId: null,
      },
    ]);
    expect(result.revocation.reason).toMatch(/HTTP 503/);
  });

  for (const status of ["needs_reconnect", "revoked"] as const) {
    it(`a connection Zendesk already ended (${status}) is removed without calling Zendesk`, async () => {
      const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
      await db.update(zendeskConnections).set({ status }).where(eq(zendeskConnections.id, connectionId));
      await fixture.sim.control.clearLog();
      expect(await disconnectConnection(connectionId, userId)).toStrictEqual({
        ok: true,
        subdomain: "acme",
        tokenId: expect.stringMatching(/^\d+$/),
        revocation: { status: "not_needed", reason: "Zendesk had already stopped accepting this connection's tokens." },
      });
      expect((await fixture.sim.control.requestLog()).total).toBe(0);
      expect(await connectionExists(connectionId)).toBe(false);
      expect(await historyAfterConnect(workspaceId)).toStrictEqual([
        { type: "disconnected", detail: "Disconnected", data: { revocation: "not_needed" }, actorUserId: userId },
      ]);
    });
  }

  it("an expired token Zendesk refuses to renew needs no revocation; one it fails to renew is reported", async () => {
    const refused = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, refused.connectionId);
    await fixture.sim.control.injectFault({
      endpoint: "token",
      kind: "status",
      status: 400,
      body: { error: "invalid_grant" },
      grant_type: "refresh_token",
    });
    expect(await disconnectConnection(refused.connectionId, refused.userId)).toMatchObject({
      ok: true,
      revocation: { status: "not_needed" },
    });
    expect(await connectionExists(refused.connectionId)).toBe(false);

    const failing = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, failing.connectionId);
    await fixture.sim.control.injectFault({
      endpoint: "token",
      kind: "status",
      status: 503,
      grant_type: "refresh_token",
      times: 5,
    });
    const result = await disconnectConnection(failing.connectionId, failing.userId);
    expect(result).toMatchObject({
      ok: true,
      revocation: { status: "failed", reason: expect.stringMatching(/^We couldn't get a usable token to revoke: /) },
    });
    expect(await connectionExists(failing.connectionId)).toBe(false);
    expect((await fixture.sim.control.requestLog()).entries.some((e) => e.endpoint === "token_revoke")).toBe(false);
  });
});

describe("a disconnect whose tokens have both expired", () => {
  it("needs no revocation and sends nothing to Zendesk: neither token can be used any more", async () => {
    const { connectionId, userId } = await connectTestConnection(fixture.sim);
    await db
      .update(zendeskConnections)
      .set({ accessTokenExpiresAt: new Date(Date.now() - 60_000), refreshTokenExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(zendeskConnections.id, connectionId));
    await fixture.sim.control.clearLog();
    expect(await disconnectConnection(connectionId, userId)).toMatchObject({
      ok: true,
      revocation: { status: "not_needed", reason: "Zendesk had already stopped accepting this connection's tokens." },
    });
    expect(await connectionExists(connectionId)).toBe(false);
    expect((await fixture.sim.control.requestLog()).total).toBe(0);
  });
});

describe("the claim a disconnect holds", () => {
  it("holds the row for all of its Zendesk calls: five HTTP timeouts and a margin", async () => {
    const { connectionId, userId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault({ endpoint: "token_revoke", kind: "delay", delay_ms: 500 });
    const disconnecting = disconnectConnection(connectionId, userId);
    let claim: { holder: string | null; expiresAt: Date | null } | undefined;
    while (!claim?.holder?.startsWith("disconnect")) {
      const [row] = await db
        .select({ holder: zendeskConnections.refreshLeaseHolder, expiresAt: zendeskConnections.refreshLeaseExpiresAt })
        .from(zendeskConnections)
        .where(eq(zendeskConnections.id, connectionId));
      claim = row;
    }
    // httpTimeoutMs is 1000 here: 5 x 1000 + 5000.
    expect(claim.expiresAt!.getTime() - Date.now()).toBeGreaterThan(9_000);
    expect(claim.expiresAt!.getTime() - Date.now()).toBeLessThanOrEqual(10_000);
    expect(await disconnecting).toMatchObject({ ok: true, revocation: { status: "revoked" } });
  });

  it("a refresh that keeps the row too long is reported, and nothing is revoked or removed", async () => {
    const { connectionId, userId } = await connectTestConnection(fixture.sim);
    await db
      .update(zendeskConnections)
      .set({ refreshLeaseHolder: "refresh:elsewhere", refreshLeaseExpiresAt: new Date(Date.now() + 60_000) })
      .where(eq(zendeskConnections.id, connectionId));
    await fixture.sim.control.clearLog();
    expect(await disconnectConnection(connectionId, userId)).toStrictEqual({
      ok: false,
      code: "refresh_in_progress",
      message: "A refresh of this Zendesk connection is taking too long; try again shortly.",
    });
    expect(await connectionExists(connectionId)).toBe(true);
    expect((await fixture.sim.control.requestLog()).total).toBe(0);
  });

  it("a failure of its own (not Zendesk's) is thrown, not reported as an outcome", async () => {
    await expect(disconnectConnection("not-a-connection-id", null)).rejects.toThrow();
  });

  it("a token this app can no longer read (a removed key, a damaged row) is not revoked, and the connection is still removed", async () => {
    const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
    const [row] = await db.select().from(zendeskConnections).where(eq(zendeskConnections.id, connectionId));
    // The refresh token's ciphertext in the access token's column: it fails authentication.
    await db
      .update(zendeskConnections)
      .set({ accessTokenCiphertext: row!.refreshTokenCiphertext! })
      .where(eq(zendeskConnections.id, connectionId));
    await fixture.sim.control.clearLog();
    const result = await disconnectConnection(connectionId, userId);
    expect(result).toMatchObject({ ok: true, revocation: { status: "failed" } });
    const reason = (result as { revocation: { reason: string } }).revocation.reason;
    expect(reason).toBe(`The stored token could not be read, so it was not revoked. ${MANUAL_REVOCATION_STEPS}`);
    expect(await connectionExists(connectionId)).toBe(false);
    expect((await fixture.sim.control.requestLog()).total).toBe(0);
    expect(await eventsOf(workspaceId)).toEqual(expect.arrayContaining(["revocation_failed", "disconnected"]));
  });
});
