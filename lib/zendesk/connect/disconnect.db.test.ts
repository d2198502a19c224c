import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db";
import { zendeskConnectionEvents, zendeskConnections } from "@/db/schema";
import { setupTestDatabase } from "@/testing/database";
import { disconnectConnection } from "./disconnect";
import { connectTestConnection, setupZendeskSimulator } from "@/testing/zendesk";
import { refreshConnection } from "@/lib/zendesk/tokens/lifecycle";

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
      revocation: { status: "revoked" },
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
    await fixture.sim.control.injectFault({ endpoint: "tokens_current", kind: "close", times: 1 });
    const result = await disconnectConnection(connectionId, userId);
    expect(result).toMatchObject({ ok: true, revocation: { status: "failed" } });
    expect(await connectionExists(connectionId)).toBe(false);
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
