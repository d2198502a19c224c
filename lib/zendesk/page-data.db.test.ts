import { describe, expect, it } from "vitest";
import { database, db } from "@/db";
import { zendeskConnectionEvents } from "@/db/schema";
import { setupTestDatabase } from "@/db/test/database";
import { HISTORY_PAGE_SIZE, loadIntegrationsData } from "./page-data";
import { statusReport } from "./status-report";
import { connectTestConnection, createTestAccount, setupZendeskSimulator } from "./test-support";

setupTestDatabase();
const fixture = setupZendeskSimulator();

async function queriesFor(workspaceId: string, expanded?: string) {
  const before = database().queryCount();
  const data = await loadIntegrationsData(workspaceId, { expanded });
  return { data, queries: database().queryCount() - before };
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
  it("issues the same number of queries for 0, 1 and 3 connections", async () => {
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

    expect(one.queries).toBeLessThanOrEqual(3);
    expect(three.queries).toBe(one.queries);
    // The empty page skips the history query, never adds one.
    expect(empty.queries).toBeLessThanOrEqual(one.queries);
  });

  it("shows the latest 20 events per connection, newest first, and all of them when expanded", async () => {
    const account = await createTestAccount();
    const acme = await connectTestConnection(fixture.sim, { account, subdomain: "acme" });
    const globex = await connectTestConnection(fixture.sim, { account, subdomain: "globex", zendeskUserId: 20001 });
    await addEvents(acme.connectionId, account.workspaceId, "acme", 30);

    const { data } = await queriesFor(account.workspaceId);
    const acmeHistory = data.history.get(acme.connectionId)!;
    expect(acmeHistory.entries).toHaveLength(HISTORY_PAGE_SIZE);
    expect(acmeHistory.hasMore).toBe(true);
    expect(acmeHistory.entries[0]!.detail).toBe("test 29");
    const globexHistory = data.history.get(globex.connectionId)!;
    expect(globexHistory.entries.map((e) => e.type)).toEqual(["connected"]);
    expect(globexHistory.entries[0]!.actorName).toMatch(/^Owner /);
    expect(globexHistory.hasMore).toBe(false);

    const expanded = await queriesFor(account.workspaceId, "acme");
    const all = expanded.data.history.get(acme.connectionId)!;
    expect(all.entries).toHaveLength(31);
    expect(all.hasMore).toBe(false);
    expect(expanded.queries).toBe((await queriesFor(account.workspaceId)).queries);
  });

  it("never returns another workspace's connections or events", async () => {
    const mine = await createTestAccount();
    const theirs = await connectTestConnection(fixture.sim, { subdomain: "acme" });
    const { data } = await queriesFor(mine.workspaceId);
    expect(data.connections).toHaveLength(0);
    expect(data.history.has(theirs.connectionId)).toBe(false);
  });
});

describe("statusReport", () => {
  it("reports the computed status and no token material", async () => {
    const { workspaceId } = await connectTestConnection(fixture.sim, { subdomain: "acme" });
    const report = await statusReport(workspaceId);
    expect(report.connections).toHaveLength(1);
    const c = report.connections[0]!;
    expect(c).toMatchObject({ subdomain: "acme", status: "connected", statusLabel: "Connected", zendeskUser: { id: "10001", name: "Ada Admin" } });
    const json = JSON.stringify(report);
    for (const forbidden of ["ciphertext", "accessToken\"", "refreshToken\"", "zendeskTokenId", "secret"]) expect(json).not.toContain(forbidden);
    const tokens = await fixture.sim.control.tokens({ subdomain: "acme" });
    expect(json).not.toContain(tokens[0]!.token);
  });
});
