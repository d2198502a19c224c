import { describe, expect, it } from "vitest";
import type { HostMember, ZendeskHost } from "@/lib/host";
import { setupTestDatabase } from "@/testing/database";
import { createTestAccount, setupZendeskSimulator, storedConnection } from "@/testing/zendesk";
import { connectWithClientCredentials } from "./connect/client-credentials";
import { prepareConnect } from "./connect/flow";
import { authorizeConnectionChange } from "./store/access";

/*
 * The module against a second, minimal implementation of the host seam (lib/host.ts): its own
 * idea of who is signed in and who may manage what, unrelated to this app's memberships. If
 * the module read the app's sessions or membership table anywhere, these would fail.
 */

setupTestDatabase();
setupZendeskSimulator();

// simulator/seed.json: acme's own confidential client (a development fixture, not a secret).
const ACME_LOCAL = { identifier: "acme-local-app", secret: "acme-local-secret" };

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
    const workspace = await createTestAccount();
    const outsider = await createTestAccount(); // a user of this app, but no member of `workspace`
    const { host } = minimalHost([[outsider.userId, workspace.workspaceId]]);
    const result = await connectWithClientCredentials(
      {
        workspaceId: workspace.workspaceId,
        userId: outsider.userId,
        subdomain: "acme",
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

  it("refuses this app's own workspace owner when the host does not grant it", async () => {
    const owner = await createTestAccount(); // owner in this app's tables
    const { host } = minimalHost([]);
    const viaCredentials = await connectWithClientCredentials(
      { ...owner, subdomain: "acme", scopes: ["read"], ...ACME_LOCAL },
      host,
    );
    expect(viaCredentials).toEqual({ ok: false, code: "not_allowed" });
    const viaOAuth = await prepareConnect({ ...owner, subdomain: "acme", scopes: ["read"], oauthClientId: null }, host);
    expect(viaOAuth).toEqual({ ok: false, code: "not_allowed" });
  });

  it("authorizes connection changes from the host's current member only", async () => {
    const a = await createTestAccount();
    const b = await createTestAccount();
    const { host, signIn } = minimalHost([
      [a.userId, a.workspaceId],
      [b.userId, b.workspaceId],
    ]);
    const connected = await connectWithClientCredentials(
      { ...a, subdomain: "acme", scopes: ["read"], ...ACME_LOCAL },
      host,
    );
    if (!connected.ok) throw new Error(`connect failed: ${connected.code}`);

    signIn(null);
    expect(await authorizeConnectionChange(connected.connectionId, host)).toEqual({ ok: false, code: "not_allowed" });

    signIn({ userId: a.userId, workspaceId: a.workspaceId, canManageIntegrations: false });
    expect(await authorizeConnectionChange(connected.connectionId, host)).toEqual({ ok: false, code: "not_allowed" });

    // Another workspace's connection is indistinguishable from a missing one.
    signIn({ userId: b.userId, workspaceId: b.workspaceId, canManageIntegrations: true });
    expect(await authorizeConnectionChange(connected.connectionId, host)).toEqual({ ok: false, code: "not_found" });

    const member = { userId: a.userId, workspaceId: a.workspaceId, canManageIntegrations: true };
    signIn(member);
    expect(await authorizeConnectionChange(connected.connectionId, host)).toEqual({
      ok: true,
      member,
      connection: { id: connected.connectionId, workspaceId: a.workspaceId, subdomain: "acme" },
    });
  });
});
