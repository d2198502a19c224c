import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/testing/database";
import { connectTestConnection, setupZendeskSimulator, SIM_GLOBAL_CLIENT, storedConnection } from "@/testing/zendesk";
import { PERMISSIONS_REDUCED_LABEL, PERMISSIONS_REDUCED_REASON } from "../catalogue/permissions-reduced.js";
import { statusReport } from "../store/status-report.js";
import { formatKeepAliveSummary, refreshDueConnections } from "./keep-alive.js";
import { getAccessToken, refreshConnection } from "./lifecycle.js";

setupTestDatabase();
const fixture = setupZendeskSimulator();

describe("a refresh refused after the admin narrowed the client's scope allowlist", () => {
  it("ends the connection as Needs reconnect — permissions reduced, keeping its tokens", async () => {
    const { connectionId, workspaceId } = await connectTestConnection(fixture.sim, { scope: "read write" });
    await fixture.sim.control.updateClient(SIM_GLOBAL_CLIENT.id, { allowed_scopes: ["read"] });
    const result = await refreshConnection(connectionId, { force: true });
    expect(result).toMatchObject({ ok: false, code: "invalid_scope" });
    const row = await storedConnection(connectionId);
    expect(row.status).toBe("needs_reconnect");
    expect(row.statusReason).toBe(PERMISSIONS_REDUCED_REASON);
    const report = await statusReport(workspaceId);
    expect(report.connections[0]).toMatchObject({ status: "needs_reconnect", statusLabel: PERMISSIONS_REDUCED_LABEL });
  });
});

describe("never-expiring tokens", () => {
  it("are kept (never ended for lacking a refresh token) and counted by the status API and the keep-alive", async () => {
    await fixture.sim.control.updateClient(SIM_GLOBAL_CLIENT.id, { non_expiring_tokens: true });
    const { connectionId, workspaceId } = await connectTestConnection(fixture.sim, { scope: "read" });
    const row = await storedConnection(connectionId);
    expect(row.accessTokenExpiresAt).toBeNull();
    expect(row.refreshTokenCiphertext).toBeNull();

    await fixture.sim.control.advanceClock(400 * 86_400);
    expect(await getAccessToken(connectionId)).toEqual(expect.any(String));
    const summary = await refreshDueConnections({ now: new Date(Date.now() + 400 * 86_400_000) });
    expect(summary.nonExpiring).toBeGreaterThanOrEqual(1);
    expect(formatKeepAliveSummary(summary)).toMatch(/\d+ with never-expiring tokens to move$/);
    expect((await storedConnection(connectionId)).status).toBe("active");

    const report = await statusReport(workspaceId);
    expect(report.nonExpiring).toEqual({ count: 1, localDeadline: "2027-04-01" });
    expect(report.connections[0]!.actionNeeded).toMatchObject({
      kind: "move_to_expiring_tokens",
      clientKind: "global",
      deadline: null,
    });
    expect(report.connections[0]!.actionNeeded!.message).toMatch(/not announced the date for global OAuth clients/);
  });
});
