import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/testing/database";
import { openAccessToken, openRefreshToken } from "../store/sealed.js";
import { disconnectConnection, getAccessToken, zendesk } from "../index.js";
import {
  ACME_ADMIN_ID,
  connectTestConnection,
  expireAccessToken,
  setupZendeskSimulator,
  storedConnection,
} from "@/testing/zendesk";
import { deliverDueWebhooks } from "./deliver.js";
import { enableInProcessDelivery, settleScheduledDeliveries } from "./kick.js";
import { setupWebhookReceiver } from "@/testing/webhooks";

setupTestDatabase();
const zd = setupZendeskSimulator();
const hooks = setupWebhookReceiver();

beforeAll(() => enableInProcessDelivery());
afterAll(() => enableInProcessDelivery(false));

/** Every token this connection has held so far, to prove none reaches the host app. */
const tokensSeen = new Set<string>();
async function rememberTokens(connectionId: string) {
  const row = await storedConnection(connectionId);
  tokensSeen.add(openAccessToken(row));
  if (row.refreshTokenCiphertext)
    tokensSeen.add(openRefreshToken({ id: row.id, refreshTokenCiphertext: row.refreshTokenCiphertext }));
}

function received() {
  return hooks.receiver.messages.map((m) => ({
    id: m.id,
    answered: m.answered,
    verified: m.verifiedWith.every(Boolean),
    payload: m.payload as { type: string; timestamp: string; data: Record<string, unknown> },
  }));
}

function assertNoTokenMaterial() {
  for (const m of hooks.receiver.messages) {
    const wire = `${m.body} ${m.id} ${m.signature}`;
    for (const token of tokensSeen) expect(wire).not.toContain(token);
    expect(m.body).not.toMatch(/access_token|refresh_token|client_secret|"code"|dev-global-client-secret/);
  }
}

/** Delivers what the immediate attempt left for a retry (the receiver answered 500 once). */
async function deliverRetries() {
  await settleScheduledDeliveries();
  await deliverDueWebhooks({ now: () => new Date(Date.now() + 6000) });
}

describe("connection lifecycle webhooks", () => {
  it("a connect sends a signed connection.created right after commit, with no token material", async () => {
    const { connectionId, workspaceId } = await connectTestConnection(zd.sim, { scope: "read write" });
    await rememberTokens(connectionId);
    await settleScheduledDeliveries();
    const [created, ...rest] = received();
    expect(rest).toEqual([]);
    expect(created).toMatchObject({ answered: 204, verified: true });
    expect(created!.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(created!.payload).toEqual({
      type: "connection.created",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {
        connection_id: connectionId,
        workspace_id: workspaceId,
        subdomain: "acme",
        status: "active",
        scopes: ["read", "write"],
        zendesk_user: { id: String(ACME_ADMIN_ID), name: expect.any(String), role: "admin" },
      },
    });
    assertNoTokenMaterial();
  });

  it("revoked in Zendesk, reconnected with other scopes, disconnected: each sent, retried with its webhook-id after a 500", async () => {
    hooks.receiver.setMode({ kind: "fail_once" });
    const account = await connectTestConnection(zd.sim, { scope: "read" });
    const { connectionId } = account;
    await rememberTokens(connectionId);
    await zd.sim.control.revokeToken({ subdomain: "acme" });
    await expect(zendesk(connectionId).me()).rejects.toMatchObject({ code: "token_revoked" });
    await connectTestConnection(zd.sim, { scope: "read write", account });
    await rememberTokens(connectionId);
    const result = await disconnectConnection(connectionId, account.userId);
    expect(result).toMatchObject({ ok: true, revocation: { status: "revoked" } });
    await deliverRetries();

    const messages = received();
    // Messages are independent (no ordering guarantee between them): compare as a set.
    const types = [...new Set(messages.map((m) => m.payload.type))].sort();
    expect(types).toEqual(
      [
        "connection.created",
        "connection.revoked",
        "connection.reconnected",
        "connection.permissions_changed",
        "connection.disconnected",
      ].sort(),
    );
    for (const type of types) {
      const attempts = messages.filter((m) => m.payload.type === type);
      expect(
        attempts.map((m) => m.answered),
        type,
      ).toEqual([500, 204]);
      expect(new Set(attempts.map((m) => m.id)).size, type).toBe(1);
      expect(attempts.every((m) => m.verified)).toBe(true);
    }
    const data = (type: string) => messages.find((m) => m.payload.type === type)!.payload.data;
    expect(data("connection.revoked")).toMatchObject({
      status: "revoked",
      error_code: "invalid_grant",
      reason: expect.stringContaining("revoked in Zendesk"),
    });
    expect(data("connection.reconnected")).toMatchObject({ status: "active", scopes: ["read", "write"] });
    expect(data("connection.permissions_changed")).toMatchObject({ added_scopes: ["write"], removed_scopes: [] });
    expect(data("connection.disconnected")).toMatchObject({
      connection_id: connectionId,
      status: "disconnected",
      revocation: "revoked",
    });
    assertNoTokenMaterial();
  });

  it("a transient refresh failure sends connection.refresh_failed; the next successful refresh connection.recovered", async () => {
    const { connectionId } = await connectTestConnection(zd.sim);
    await rememberTokens(connectionId);
    await expireAccessToken(zd.sim, connectionId);
    await zd.sim.control.injectFault({
      endpoint: "token",
      grant_type: "refresh_token",
      kind: "status",
      status: 503,
      times: 100,
    });
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: expect.any(String) });
    await zd.sim.control.clearFaults();
    // Automatic use waits out the back-off (next_attempt_at): an hour later by the app's clock.
    await getAccessToken(connectionId, { now: () => Date.now() + 3600_000 });
    await rememberTokens(connectionId);
    await settleScheduledDeliveries();
    const payloads = received().map((m) => m.payload);
    const of = (type: string) => payloads.filter((p) => p.type === type);
    expect(payloads).toHaveLength(3);
    expect(of("connection.created")).toHaveLength(1);
    expect(of("connection.refresh_failed")).toHaveLength(1);
    expect(of("connection.recovered")).toHaveLength(1);
    expect(of("connection.refresh_failed")[0]!.data).toMatchObject({
      status: "error",
      error_code: "server_error",
      attempts: 1,
      next_attempt_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      reason: expect.stringContaining("503"),
    });
    expect(of("connection.recovered")[0]!.data).toMatchObject({ status: "active" });
    assertNoTokenMaterial();
  });

  it("a permanent refusal sends connection.needs_reconnect only (not refresh_failed)", async () => {
    const { connectionId } = await connectTestConnection(zd.sim);
    await expireAccessToken(zd.sim, connectionId);
    await zd.sim.control.injectFault({
      endpoint: "token",
      grant_type: "refresh_token",
      kind: "status",
      status: 400,
      body: { error: "invalid_grant" },
    });
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: "needs_reconnect" });
    await settleScheduledDeliveries();
    const types = received().map((m) => m.payload.type);
    expect(types.sort()).toEqual(["connection.created", "connection.needs_reconnect"]);
    expect(received().find((m) => m.payload.type === "connection.needs_reconnect")!.payload.data).toMatchObject({
      status: "needs_reconnect",
      error_code: "invalid_grant",
    });
  });
});
