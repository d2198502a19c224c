import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { resetEnvForTests } from "../config/env.js";
import { openRefreshToken } from "../store/sealed.js";
import { tokenRequest } from "@/testing/oauth";
import {
  connectTestConnection,
  expireAccessToken,
  SIM_GLOBAL_CLIENT,
  setupZendeskSimulator,
  storedConnection,
} from "@/testing/zendesk";
import { getAccessToken, TOKEN_REASONS } from "./lifecycle.js";

/*
 * A crashed holder's in-flight marker (refresh_in_flight_since) says its attempt may have rotated the
 * pair at Zendesk. A failure on our side before any call to Zendesk (no client configured) must not
 * erase it (issue #22): the next invalid_grant is then a lost answer, never "refused".
 */

setupTestDatabase();
const fixture = setupZendeskSimulator();

describe("a crashed holder's in-flight marker", () => {
  it("survives a local failure, so the next invalid_grant is recorded as a lost answer", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    // A holder that crashed after Zendesk rotated: the stored refresh token is spent, its marker left.
    const row = await storedConnection(connectionId);
    await tokenRequest(fixture.sim.instanceUrl("acme"), {
      grant_type: "refresh_token",
      refresh_token: openRefreshToken({ id: row.id, refreshTokenCiphertext: row.refreshTokenCiphertext! }),
      client_id: SIM_GLOBAL_CLIENT.id,
      client_secret: SIM_GLOBAL_CLIENT.secret,
    });
    const crashedAt = new Date(Date.now() - 60_000);
    await db
      .update(zendeskConnections)
      .set({ refreshInFlightSince: crashedAt })
      .where(eq(zendeskConnections.id, connectionId));

    const saved = { id: process.env.ZENDESK_CLIENT_ID, secret: process.env.ZENDESK_CLIENT_SECRET };
    delete process.env.ZENDESK_CLIENT_ID;
    delete process.env.ZENDESK_CLIENT_SECRET;
    resetEnvForTests();
    try {
      await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: "no_client" });
    } finally {
      process.env.ZENDESK_CLIENT_ID = saved.id;
      process.env.ZENDESK_CLIENT_SECRET = saved.secret;
      resetEnvForTests();
    }
    const failed = await storedConnection(connectionId);
    expect(failed.status).toBe("error");
    expect(failed.refreshInFlightSince?.getTime()).toBe(crashedAt.getTime());

    await expect(
      getAccessToken(connectionId, { now: () => failed.nextAttemptAt!.getTime() + 1000 }),
    ).rejects.toMatchObject({ code: "needs_reconnect" });
    expect(await storedConnection(connectionId)).toMatchObject({
      status: "needs_reconnect",
      statusReason: TOKEN_REASONS.lostResponse,
    });
  });
});
