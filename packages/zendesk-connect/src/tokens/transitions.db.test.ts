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
import { getAccessToken } from "./lifecycle.js";
import { zendeskSettings } from "../transport/settings.js";

/*
 * Transitions of a connection's life that earlier versions got wrong (issue #22): a reconnect is a
 * transition to healthy like a renewal.
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

describe("a reconnect starts a new life", () => {
  it("clears the old failure run: renewal on use works at once after the reconnect", async () => {
    const { connectionId, userId, workspaceId } = await failingConnection();
    await connectTestConnection(fixture.sim, { account: { userId, workspaceId } });
    const reconnected = await storedConnection(connectionId);
    expect(reconnected).toMatchObject({
      status: "active",
      refreshFailures: 0,
      failingSince: null,
      nextAttemptAt: null,
      refreshInFlightSince: null,
    });
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.clearLog();
    await expect(getAccessToken(connectionId)).resolves.toBeTruthy();
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });

  it("a transient failure after a reconnect leaves error with a retry, never needs_reconnect", async () => {
    const { connectionId, userId, workspaceId } = await failingConnection();
    // The old grant had been failing for longer than the give-up period.
    const longAgo = new Date(Date.now() - (zendeskSettings().refreshGiveUpDays + 1) * 86_400_000);
    await db.update(zendeskConnections).set({ failingSince: longAgo }).where(eq(zendeskConnections.id, connectionId));
    await connectTestConnection(fixture.sim, { account: { userId, workspaceId } });

    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.injectFault(transient);
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: "zendesk_error" });
    const after = await storedConnection(connectionId);
    expect(after.status).toBe("error");
    expect(after.refreshFailures).toBe(1);
    expect(after.nextAttemptAt).not.toBeNull();
  });
});
