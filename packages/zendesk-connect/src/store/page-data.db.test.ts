import { describe, expect, it } from "vitest";
import { database, db } from "../db/index.js";
import { eq } from "drizzle-orm";
import { zendeskConnectionEvents, zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { userNames } from "@/lib/accounts/accounts";
import { CONNECTIONS_PAGE_SIZE, HISTORY_PAGE_SIZE, loadIntegrationsData } from "./page-data.js";
import { statusReport } from "./status-report.js";
import { connectTestConnection, createTestAccount, setupZendeskSimulator, testSubdomain } from "@/testing/zendesk";

setupTestDatabase();
const fixture = setupZendeskSimulator();

async function queriesFor(workspaceId: string, options: Parameters<typeof loadIntegrationsData>[1] = {}) {
  const before = database().queryCount();
  const data = await loadIntegrationsData(workspaceId, options);
  return { data, queries: database().queryCount() - before };
}

/** Connections stored directly (the page reads them; their tokens are never used here). */
async function addConnections(workspaceId: string, n: number) {
  await db.insert(zendeskConnections).values(
    Array.from({ length: n }, (_, i) => ({
      workspaceId,
      subdomain: testSubdomain(`bulk-${String(i).padStart(3, "0")}`),
      requestedScopes: ["read"],
      grantedScopes: ["read"],
      accessTokenCiphertext: "not-a-real-ciphertext",
    })),
  );
}

async function addEvents(connectionId: string, workspaceId: string, subdomain: string, n: number) {
  await db.insert(zendeskConnectionEvents).values(
    Array.from({ length: n }, (_, i) => ({
      connectionId,
      workspaceId,
      subdomain,
      type: "test_succeeded" as const,
      detail: `test ${i}`,
      createdAt: new Date(Date.now() + (i + 1) * 1000),
    })),
  );
}

describe("loadIntegrationsData", () => {
  it("issues the same number of queries for 0, 1, 3 and 25 connections", async () => {
    const account = await createTestAccount();
    const empty = await queriesFor(account.workspaceId);
    expect(empty.data.connections).toHaveLength(0);

    await connectTestConnection(fixture.sim, { account, subdomain: "acme" });
    const one = await queriesFor(account.workspaceId);
    expect(one.data.connections).toHaveLength(1);

    await connectTestConnection(fixture.sim, { account, subdomain: "globex", zendeskUserId: 20001 });
    await connectTestConnection(fixture.sim, { account, subdomain: "initech", zendeskUserId: 30001 });
    const three = await queriesFor(account.workspaceId);
    expect(three.data.connections.map((c) => c.subdomain)).toEqual(["acme", "globex", "initech"]);

    await addConnections(account.workspaceId, 22);
    const many = await queriesFor(account.workspaceId);
    expect(many.data.connections).toHaveLength(CONNECTIONS_PAGE_SIZE);
    expect(many.data.paging).toMatchObject({ total: 25, pages: 3, page: 1 });

    expect(one.queries).toBe(2);
    for (const q of [empty.queries, three.queries, many.queries]) expect(q).toBe(one.queries);
    // An open history adds exactly one query, whatever the number of connections.
    expect((await queriesFor(account.workspaceId, { expanded: "acme" })).queries).toBe(one.queries + 1);
  });

  it("pages connections, those that need attention first", async () => {
    const account = await createTestAccount();
    await addConnections(account.workspaceId, 23);
    await db
      .update(zendeskConnections)
      .set({ status: "needs_reconnect" })
      .where(eq(zendeskConnections.subdomain, testSubdomain("bulk-017")));
    const first = await queriesFor(account.workspaceId);
    expect(first.data.connections[0]!.subdomain).toBe("bulk-017");
    expect(first.data.paging).toMatchObject({ total: 23, troubled: 1, pages: 3 });
    const last = await queriesFor(account.workspaceId, { page: 3 });
    expect(last.data.connections.map((c) => c.subdomain)).toEqual(["bulk-020", "bulk-021", "bulk-022"]);
    const beyond = await queriesFor(account.workspaceId, { page: 9 });
    expect(beyond.data.connections).toHaveLength(0);
  });

  it("loads one connection's latest 20 events on demand, newest first, and up to 200 with more", async () => {
    const account = await createTestAccount();
    const acme = await connectTestConnection(fixture.sim, { account, subdomain: "acme" });
    await connectTestConnection(fixture.sim, { account, subdomain: "globex", zendeskUserId: 20001 });
    await addEvents(acme.connectionId, account.workspaceId, "acme", 30);

    expect((await queriesFor(account.workspaceId)).data.history).toBeUndefined();
    const { data } = await queriesFor(account.workspaceId, { expanded: "acme" });
    expect(data.history!.connectionId).toBe(acme.connectionId);
    expect(data.history!.entries).toHaveLength(HISTORY_PAGE_SIZE);
    expect(data.history!.hasMore).toBe(true);
    expect(data.history!.entries[0]!.detail).toBe("test 29");

    // Names come from the host (here this app's users, through the seam's userNames).
    const globex = (await queriesFor(account.workspaceId, { expanded: "globex", host: { userNames } })).data.history!;
    expect(globex.entries.map((e) => e.type)).toEqual(["connected"]);
    expect(globex.entries[0]!.actorName).toMatch(/^Owner /);
    expect(globex.hasMore).toBe(false);

    const all = (await queriesFor(account.workspaceId, { expanded: "acme", moreHistory: true })).data.history!;
    expect(all.entries).toHaveLength(31);
    expect(all.hasMore).toBe(false);
  });

  it("never returns another workspace's connections or events", async () => {
    const mine = await createTestAccount();
    await connectTestConnection(fixture.sim, { subdomain: "acme" });
    const { data } = await queriesFor(mine.workspaceId, { expanded: "acme" });
    expect(data.connections).toHaveLength(0);
    expect(data.history).toBeUndefined();
  });
});

describe("statusReport", () => {
  it("reports the computed status and no token material", async () => {
    const { workspaceId } = await connectTestConnection(fixture.sim, { subdomain: "acme" });
    const report = await statusReport(workspaceId);
    expect(report.connections).toHaveLength(1);
    const c = report.connections[0]!;
    expect(c).toMatchObject({
      subdomain: "acme",
      status: "connected",
      statusLabel: "Connected",
      zendeskUser: { id: "10001", name: "Ada Admin" },
    });
    const json = JSON.stringify(report);
    for (const forbidden of ["ciphertext", 'accessToken"', 'refreshToken"', "zendeskTokenId", "secret"])
      expect(json).not.toContain(forbidden);
    const tokens = await fixture.sim.control.tokens({ subdomain: "acme" });
    expect(json).not.toContain(tokens[0]!.token);
  });
});
