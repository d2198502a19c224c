import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { connectTestConnection, setupZendeskSimulator, testSubdomain } from "@/testing/zendesk";
import { disconnectConnection } from "../connect/disconnect.js";
import { revokeGrant } from "../connect/revoke-grant.js";
import { revokeAccessToken } from "./revoke.js";

/*
 * One revoke function for every caller (issue #22). A DELETE by an id Zendesk does not know answers
 * 404 and revokes nothing; DELETE current.json answers 204 whether or not it revoked. Only a 204 by
 * id or a 401 afterwards counts.
 */

setupTestDatabase();
const fixture = setupZendeskSimulator();

async function liveCount() {
  return (await fixture.sim.control.tokens({ subdomain: "acme" })).length;
}

describe("revoking an access token", () => {
  it("disconnect with a stale token id (404 by id) still revokes the token and says how", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await db
      .update(zendeskConnections)
      .set({ zendeskTokenId: "999999" })
      .where(eq(zendeskConnections.id, connectionId));
    const result = await disconnectConnection(connectionId, null);
    expect(result).toMatchObject({ ok: true, revocation: { status: "revoked", method: "by_id_after_current_json" } });
    expect(await liveCount()).toBe(0);
  });

  it("a replaced grant with a stale token id is revoked, not reported revoked while live", async () => {
    const sub = testSubdomain("acme");
    const token = await fixture.sim.control.issueToken({
      subdomain: sub,
      client_id: "zdg-zendesk-connect-dev",
      scopes: ["read"],
      refresh_token_expires_in: 86_400,
    });
    const outcome = await revokeGrant(sub, {
      accessToken: token.access_token,
      refreshToken: token.refresh_token,
      zendeskTokenId: "999999",
      client: null,
    });
    expect(outcome.status).toBe("revoked");
    expect(await liveCount()).toBe(0);
  });

  it("DELETE current.json that does not revoke: verified alive, then revoked by its id", async () => {
    await fixture.sim.control.setOptions({ revoke_on_delete_current: false });
    const sub = testSubdomain("acme");
    const token = await fixture.sim.control.issueToken({
      subdomain: sub,
      client_id: "zdg-zendesk-connect-dev",
      scopes: ["read"],
      refresh_token_expires_in: 86_400,
    });
    expect(await revokeAccessToken(sub, token.access_token, null)).toEqual({
      status: "revoked",
      method: "by_id_after_current_json",
    });
    expect(await liveCount()).toBe(0);
  });
});
