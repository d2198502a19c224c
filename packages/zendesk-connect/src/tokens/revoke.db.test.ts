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

  describe("each answer of Zendesk's, and what it proves", () => {
    const issue = async () => {
      const sub = testSubdomain("acme");
      const issued = await fixture.sim.control.issueToken({
        subdomain: sub,
        client_id: "zdg-zendesk-connect-dev",
        scopes: ["read"],
        refresh_token_expires_in: 86_400,
      });
      return { sub, accessToken: issued.access_token, id: String(issued.token.id) };
    };
    const fault = (endpoint: "token_revoke" | "users_me" | "tokens_current", status: number, body?: unknown) =>
      fixture.sim.control.injectFault({ endpoint, kind: "status", status, ...(body === undefined ? {} : { body }) });

    it("a 204 to DELETE by id is proof: revoked by id, nothing checked", async () => {
      const { sub, accessToken, id } = await issue();
      await fixture.sim.control.clearLog();
      expect(await revokeAccessToken(sub, accessToken, id)).toEqual({ status: "revoked", method: "by_id" });
      expect((await fixture.sim.control.requestLog()).total).toBe(1);
      expect(await liveCount()).toBe(0);
    });

    it("DELETE current.json, then Zendesk refusing the token, is proof: revoked by current.json", async () => {
      await fixture.sim.control.setOptions({ revoke_on_delete_current: true });
      const { sub, accessToken } = await issue();
      expect(await revokeAccessToken(sub, accessToken, null)).toEqual({ status: "revoked", method: "current_json" });
      expect(await liveCount()).toBe(0);
    });

    it("a token Zendesk already refuses is dead: nothing to revoke, by id or not", async () => {
      const { sub, accessToken, id } = await issue();
      expect(await revokeAccessToken(sub, accessToken, id)).toEqual({ status: "revoked", method: "by_id" });
      expect(await revokeAccessToken(sub, accessToken, id)).toEqual({ status: "dead" });
      expect(await revokeAccessToken(sub, accessToken, null)).toEqual({ status: "dead" });
    });

    it("an id Zendesk does not know (404), then Zendesk refusing the token, is dead: not revoked by us", async () => {
      const { sub, accessToken, id } = await issue();
      await fault("token_revoke", 404, { error: "RecordNotFound" });
      await fault("users_me", 401, { error: "invalid_token" });
      // A token that stopped working on its own (expired, revoked elsewhere) was not revoked by this
      // DELETE: the 404 said so.
      expect(await revokeAccessToken(sub, accessToken, id)).toEqual({ status: "dead" });
    });

    it("a DELETE by id that fails is not a revocation: failed, and the token is not touched further", async () => {
      const { sub, accessToken, id } = await issue();
      await fault("token_revoke", 500);
      await fixture.sim.control.clearLog();
      const outcome = await revokeAccessToken(sub, accessToken, id);
      expect(outcome).toMatchObject({ status: "failed" });
      expect((outcome as { reason: string }).reason).toMatch(/^Zendesk did not confirm the revocation: .+\.$/);
      expect((await fixture.sim.control.requestLog()).total).toBe(1);
      expect(await liveCount()).toBe(1);
    });

    it("DELETE current.json refused (403) or missing (404): the check decides, and a live token is revoked by its id", async () => {
      for (const status of [403, 404]) {
        const { sub, accessToken } = await issue();
        await fault("token_revoke", status, { error: "Forbidden" });
        expect(await revokeAccessToken(sub, accessToken, null)).toEqual({
          status: "revoked",
          method: "by_id_after_current_json",
        });
        expect(await liveCount()).toBe(0);
      }
    });

    it("DELETE current.json failing otherwise (500) is not confirmed: failed, nothing checked", async () => {
      const { sub, accessToken } = await issue();
      await fault("token_revoke", 500);
      await fixture.sim.control.clearLog();
      const outcome = await revokeAccessToken(sub, accessToken, null);
      expect(outcome).toMatchObject({
        status: "failed",
        reason: expect.stringMatching(/^Zendesk did not confirm the revocation: /),
      });
      expect((await fixture.sim.control.requestLog()).total).toBe(1);
    });

    it("a check that fails proves nothing: the revocation could not be verified", async () => {
      const { sub, accessToken } = await issue();
      await fault("users_me", 500);
      const outcome = await revokeAccessToken(sub, accessToken, null);
      expect(outcome).toMatchObject({ status: "failed" });
      expect((outcome as { reason: string }).reason).toMatch(/^The revocation could not be verified: .+\.$/);
    });

    it("a token still alive whose id was the one already tried is not deleted again: failed", async () => {
      const { sub, accessToken, id } = await issue();
      // Zendesk answers 404 to the token's own id (as it would for an id it does not know).
      await fault("token_revoke", 404, { error: "RecordNotFound" });
      expect(await revokeAccessToken(sub, accessToken, id)).toEqual({
        status: "failed",
        reason: "Zendesk answered the revocation but the token still works, and it was not deleted by its id.",
      });
      expect(await liveCount()).toBe(1);
    });

    it("a token still alive whose id cannot be read is reported with Zendesk's answer", async () => {
      const { sub, accessToken } = await issue();
      await fixture.sim.control.setOptions({ revoke_on_delete_current: false });
      await fault("tokens_current", 500);
      const outcome = await revokeAccessToken(sub, accessToken, null);
      expect(outcome).toMatchObject({ status: "failed" });
      expect((outcome as { reason: string }).reason).toMatch(
        /^Zendesk answered the revocation but the token still works, and it could not be revoked by id: .+\.$/,
      );
      expect(await liveCount()).toBe(1);
    });
  });
});
