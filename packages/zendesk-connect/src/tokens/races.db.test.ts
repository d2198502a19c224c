import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnectionEvents, zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { connectTestConnection, expireAccessToken, setupZendeskSimulator, storedConnection } from "@/testing/zendesk";
import { settleAfterResponse } from "../after-response.js";
import { openAccessToken } from "../store/sealed.js";
import { disconnectConnection } from "../connect/disconnect.js";
import { getAccessToken, refreshConnection } from "./lifecycle.js";

/*
 * A reconnect or a disconnect racing a renewal (issue #22), made deterministic with a seam around
 * the token endpoint: `before` runs after the renewal claimed the row and before Zendesk acts,
 * `after` once Zendesk rotated the pair and before the answer is stored. Whatever the order, Zendesk
 * ends up holding exactly the stored grant (none after a disconnect), and the history says so.
 */

const hooks: { before?: () => Promise<void>; after?: () => Promise<void> } = {};

vi.mock("./endpoint.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("./endpoint.js")>();
  return {
    ...original,
    requestToken: async (...args: Parameters<typeof original.requestToken>) => {
      const before = hooks.before;
      hooks.before = undefined;
      if (before) await before();
      const response = await original.requestToken(...args);
      const after = hooks.after;
      hooks.after = undefined;
      if (after) await after();
      return response;
    },
  };
});

setupTestDatabase();
const fixture = setupZendeskSimulator();

afterEach(() => {
  hooks.before = undefined;
  hooks.after = undefined;
});

async function liveTokens() {
  return (await fixture.sim.control.tokens({ subdomain: "acme" })).map((t) => t.token);
}

async function historyOf(workspaceId: string) {
  return db.select().from(zendeskConnectionEvents).where(eq(zendeskConnectionEvents.workspaceId, workspaceId));
}

describe("a reconnect racing a renewal", () => {
  it("after Zendesk rotated: the renewal's pair is revoked, the reconnect's grant is the one live token", async () => {
    const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    hooks.after = async () => {
      await connectTestConnection(fixture.sim, { account: { userId, workspaceId } });
    };
    const token = await getAccessToken(connectionId);
    await settleAfterResponse();

    const stored = await storedConnection(connectionId);
    expect(token).toBe(openAccessToken(stored));
    expect(await liveTokens()).toEqual([token.slice(0, 10)]);
    const events = await historyOf(workspaceId);
    expect(events.find((e) => e.data?.supersededRenewal === true)).toMatchObject({
      type: "grant_replaced",
      data: { revocation: "revoked" },
    });
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it("before Zendesk acted, with the replaced grant still live: one live token, the reconnect's", async () => {
    const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    hooks.before = async () => {
      await connectTestConnection(fixture.sim, { account: { userId, workspaceId } });
    };
    await getAccessToken(connectionId);
    await settleAfterResponse();

    const stored = await storedConnection(connectionId);
    expect(stored.status).toBe("active");
    expect(await liveTokens()).toEqual([openAccessToken(stored).slice(0, 10)]);
  });
});

describe("a disconnect racing a renewal", () => {
  it("after Zendesk rotated, the renewal's lease lapsed: no live token is left at Zendesk", async () => {
    const { connectionId, workspaceId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    hooks.after = async () => {
      await db
        .update(zendeskConnections)
        .set({ refreshLeaseExpiresAt: new Date(Date.now() - 1000) })
        .where(eq(zendeskConnections.id, connectionId));
      const result = await disconnectConnection(connectionId, null);
      expect(result.ok).toBe(true);
    };
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({
      code: "connection_not_found",
      message: "This Zendesk connection no longer exists.",
    });
    await settleAfterResponse();

    expect(await liveTokens()).toEqual([]);
    const events = await historyOf(workspaceId);
    expect(events.map((e) => e.type)).toContain("disconnected");
    expect(events.find((e) => e.data?.supersededRenewal === true)).toMatchObject({
      type: "grant_replaced",
      connectionId: null,
      detail: "A renewal finished after the connection was disconnected; the pair it received was revoked in Zendesk",
      data: { revocation: "revoked" },
    });
  });
});

describe("a renewal whose pair nobody may store", () => {
  it("a disconnect under way when the answer arrives: the pair is revoked, the row left to the disconnect", async () => {
    const { connectionId, workspaceId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    hooks.after = async () => {
      // The renewal's lease lapsed and a disconnect claimed the row; same token version.
      await db
        .update(zendeskConnections)
        .set({ refreshLeaseHolder: "disconnect:elsewhere", refreshLeaseExpiresAt: new Date(Date.now() + 60_000) })
        .where(eq(zendeskConnections.id, connectionId));
    };
    const before = await storedConnection(connectionId);
    await getAccessToken(connectionId).catch(() => undefined);
    await settleAfterResponse();

    const after = await storedConnection(connectionId);
    expect(after).toMatchObject({ tokenVersion: before.tokenVersion, refreshLeaseHolder: "disconnect:elsewhere" });
    expect(after.accessTokenCiphertext).toBe(before.accessTokenCiphertext);
    // The refresh rotated the stored pair away at Zendesk and the renewal's own pair was revoked:
    // the disconnect under way finds nothing left alive.
    expect(await liveTokens()).toEqual([]);
    const superseded = (await historyOf(workspaceId)).find((e) => e.data?.supersededRenewal === true);
    expect(superseded).toMatchObject({
      type: "grant_replaced",
      connectionId,
      detail: "A renewal finished after a disconnect was under way; the pair it received was revoked in Zendesk",
      data: { supersededRenewal: true, trigger: "on_demand", revocation: "revoked" },
    });
  });

  it("a pair that cannot be revoked is recorded as such, with Zendesk's answer and what it means", async () => {
    const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    hooks.after = async () => {
      await connectTestConnection(fixture.sim, { account: { userId, workspaceId } });
      await fixture.sim.control.injectFault({ endpoint: "token_revoke", kind: "status", status: 500 });
    };
    await getAccessToken(connectionId);
    await settleAfterResponse();

    const failed = (await historyOf(workspaceId)).find((e) => e.data?.supersededRenewal === true);
    expect(failed).toMatchObject({
      type: "revocation_failed",
      data: { supersededRenewal: true, trigger: "on_demand", revocation: "failed" },
    });
    expect(failed!.detail).toMatch(
      /^A renewal finished after the connection was reconnected \(or renewed elsewhere\); the pair it received could not be revoked: Zendesk did not confirm the revocation: .+\. It stays valid in Zendesk until it expires; this app does not hold it\.$/,
    );
    // The reconnect's grant and the renewal's unrevoked pair.
    expect(await liveTokens()).toHaveLength(2);
  });
});

describe("a refused or failed renewal whose grant nobody keeps any more", () => {
  const refused = {
    endpoint: "token",
    grant_type: "refresh_token",
    kind: "status",
    status: 400,
    body: { error: "invalid_grant" },
    times: 1,
  } as const;

  it("a reconnect before Zendesk answered: the refusal was about the old grant, the new one stays connected", async () => {
    const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    hooks.before = async () => {
      await connectTestConnection(fixture.sim, { account: { userId, workspaceId } });
      await fixture.sim.control.injectFault(refused);
    };
    const reconnected = await getAccessToken(connectionId).catch(() => undefined);

    const stored = await storedConnection(connectionId);
    expect(stored).toMatchObject({ status: "active", lastError: null });
    expect(reconnected).toBe(openAccessToken(stored));
    expect((await historyOf(workspaceId)).map((e) => e.type)).not.toContain("needs_reconnect");
  });

  it("a disconnect under way when Zendesk refused: the row is left to the disconnect, no verdict written", async () => {
    const { connectionId, workspaceId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    hooks.before = async () => {
      await db
        .update(zendeskConnections)
        .set({ refreshLeaseHolder: "disconnect:elsewhere", refreshLeaseExpiresAt: new Date(Date.now() + 60_000) })
        .where(eq(zendeskConnections.id, connectionId));
      await fixture.sim.control.injectFault(refused);
    };
    await getAccessToken(connectionId).catch(() => undefined);

    expect(await storedConnection(connectionId)).toMatchObject({
      status: "active",
      lastError: null,
      refreshLeaseHolder: "disconnect:elsewhere",
    });
    expect((await historyOf(workspaceId)).map((e) => e.type)).not.toContain("needs_reconnect");
  });

  it("a disconnect that ended the row while Zendesk answered: the caller is told it is gone, nothing is recorded on it", async () => {
    const { connectionId, workspaceId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    hooks.before = async () => {
      // The renewal's lease lapsed; the disconnect revokes the grant the renewal is about to send.
      await db
        .update(zendeskConnections)
        .set({ refreshLeaseExpiresAt: new Date(Date.now() - 1000) })
        .where(eq(zendeskConnections.id, connectionId));
      expect(await disconnectConnection(connectionId, null)).toMatchObject({ ok: true });
    };
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({
      code: "connection_not_found",
      message: "This Zendesk connection no longer exists.",
    });
    const types = (await historyOf(workspaceId)).map((e) => e.type);
    expect(types).toContain("disconnected");
    expect(types).not.toContain("needs_reconnect");
  });

  const unavailable = {
    endpoint: "token",
    grant_type: "refresh_token",
    kind: "status",
    status: 503,
    times: 100,
  } as const;

  it("a transient failure after a reconnect is not written onto the reconnect's grant", async () => {
    const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    hooks.before = async () => {
      await connectTestConnection(fixture.sim, { account: { userId, workspaceId } });
      await fixture.sim.control.injectFault(unavailable);
    };
    // Refresh now makes one attempt: its failure is the one recorded (a retry would claim the row
    // again and find the reconnect first).
    expect(await refreshConnection(connectionId, { force: true })).toMatchObject({ ok: false, code: "zendesk_error" });

    expect(await storedConnection(connectionId)).toMatchObject({
      status: "active",
      lastError: null,
      refreshFailures: 0,
      nextAttemptAt: null,
    });
    expect((await historyOf(workspaceId)).map((e) => e.type)).not.toContain("refresh_failed");
  });

  it("a transient failure on a connection ended meanwhile leaves its end as it was", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    hooks.before = async () => {
      // Another process's verdict on the same grant (the API refused it everywhere).
      await db
        .update(zendeskConnections)
        .set({ status: "revoked", statusReason: "Revoked in Zendesk.", lastError: null })
        .where(eq(zendeskConnections.id, connectionId));
      await fixture.sim.control.injectFault(unavailable);
    };
    expect(await refreshConnection(connectionId, { force: true })).toMatchObject({ ok: false, code: "zendesk_error" });

    expect(await storedConnection(connectionId)).toMatchObject({
      status: "revoked",
      statusReason: "Revoked in Zendesk.",
      lastError: null,
      refreshFailures: 0,
    });
  });

  it("a transient failure on a connection disconnected meanwhile is reported, nothing is written", async () => {
    const { connectionId, workspaceId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    hooks.before = async () => {
      await db
        .update(zendeskConnections)
        .set({ refreshLeaseExpiresAt: new Date(Date.now() - 1000) })
        .where(eq(zendeskConnections.id, connectionId));
      expect(await disconnectConnection(connectionId, null)).toMatchObject({ ok: true });
      await fixture.sim.control.injectFault(unavailable);
    };
    expect(await refreshConnection(connectionId, { force: true })).toMatchObject({ ok: false, code: "zendesk_error" });
    expect((await historyOf(workspaceId)).map((e) => e.type)).not.toContain("refresh_failed");
  });
});
