import { describe, expect, it } from "vitest";
import type { HostMember, ZendeskHost } from "./host.js";
import { setupTestDatabase } from "@/testing/database";
import { setupZendeskSimulator, storedConnection, testSubdomain } from "@/testing/zendesk";
import { connectWithClientCredentials } from "./connect/client-credentials.js";
import { prepareConnect } from "./connect/flow.js";
import { authorizeConnectionChange } from "./store/access.js";

/*
 * The module against a second, minimal implementation of the host seam (lib/host.ts): its own
 * idea of who is signed in and who may manage what, unrelated to this app's memberships. If
 * the module read the app's sessions or membership table anywhere, these would fail. Its ids are
 * strings in another host's format (Clerk-style "org_…" / "user_…"), not this app's uuids, and
 * exist in none of this app's tables: the Zendesk tables key by them as opaque values.
 */

let sequence = 0;
/** A workspace and a user of the other host: ids this app's tables have never seen. */
function hostAccount() {
  sequence += 1;
  const tag = `${Date.now().toString(36)}${sequence}`;
  return { workspaceId: `org_2abc${tag}`, userId: `user_2xyz${tag}` };
}

setupTestDatabase();
setupZendeskSimulator();

// packages/zendesk-simulator/seed.json: acme's own confidential client (a development fixture, not a secret).
const ACME_LOCAL = { identifier: "acme-local-app", secret: "acme-local-secret" };
const ACME = testSubdomain("acme");

/** A host with its own grant table and a settable "signed-in" member, as an adopter's would be. */
function minimalHost(grants: Array<[userId: string, workspaceId: string]>) {
  let signedIn: HostMember | null = null;
  const host: ZendeskHost = {
    currentMember: async () => signedIn,
    canManage: async (userId, workspaceId) => grants.some(([u, w]) => u === userId && w === workspaceId),
    signInPath: (returnTo) => `/sign-in?redirect_url=${encodeURIComponent(returnTo)}`,
  };
  return {
    host,
    signIn(member: HostMember | null) {
      signedIn = member;
    },
  };
}

describe("the Zendesk module behind a second host", () => {
  it("connects for whoever the host says may manage the workspace, with no membership in this app", async () => {
    const workspace = hostAccount();
    const outsider = hostAccount(); // another of the host's users, granted `workspace` by the host only
    const { host } = minimalHost([[outsider.userId, workspace.workspaceId]]);
    const result = await connectWithClientCredentials(
      {
        workspaceId: workspace.workspaceId,
        userId: outsider.userId,
        subdomain: ACME,
        scopes: ["read"],
        ...ACME_LOCAL,
      },
      host,
    );
    expect(result).toMatchObject({ ok: true, created: true });
    if (!result.ok) return;
    expect(await storedConnection(result.connectionId)).toMatchObject({
      workspaceId: workspace.workspaceId,
      connectedByUserId: outsider.userId,
      status: "active",
    });
  });

  it("refuses whoever the host does not grant", async () => {
    const owner = hostAccount();
    const { host } = minimalHost([]);
    const viaCredentials = await connectWithClientCredentials(
      { ...owner, subdomain: ACME, scopes: ["read"], ...ACME_LOCAL },
      host,
    );
    expect(viaCredentials).toEqual({ ok: false, code: "not_allowed" });
    const viaOAuth = await prepareConnect({ ...owner, subdomain: ACME, scopes: ["read"], oauthClientId: null }, host);
    expect(viaOAuth).toEqual({ ok: false, code: "not_allowed" });
  });

  it("authorizes connection changes from the host's current member only", async () => {
    const a = hostAccount();
    const b = hostAccount();
    const { host, signIn } = minimalHost([
      [a.userId, a.workspaceId],
      [b.userId, b.workspaceId],
    ]);
    const connected = await connectWithClientCredentials(
      { ...a, subdomain: ACME, scopes: ["read"], ...ACME_LOCAL },
      host,
    );
    if (!connected.ok) throw new Error(`connect failed: ${connected.code}`);

    signIn(null);
    expect(await authorizeConnectionChange(connected.connectionId, await host.currentMember())).toEqual({
      ok: false,
      code: "not_allowed",
    });

    signIn({ userId: a.userId, workspaceId: a.workspaceId, canManageIntegrations: false });
    expect(await authorizeConnectionChange(connected.connectionId, await host.currentMember())).toEqual({
      ok: false,
      code: "not_allowed",
    });

    // Another workspace's connection is indistinguishable from a missing one.
    signIn({ userId: b.userId, workspaceId: b.workspaceId, canManageIntegrations: true });
    expect(await authorizeConnectionChange(connected.connectionId, await host.currentMember())).toEqual({
      ok: false,
      code: "not_found",
    });

    const member = { userId: a.userId, workspaceId: a.workspaceId, canManageIntegrations: true };
    signIn(member);
    expect(await authorizeConnectionChange(connected.connectionId, await host.currentMember())).toMatchObject({
      ok: true,
      member,
      connection: {
        id: connected.connectionId,
        workspaceId: a.workspaceId,
        subdomain: "acme",
        connectedByUserId: a.userId,
      },
    });
  });
});
