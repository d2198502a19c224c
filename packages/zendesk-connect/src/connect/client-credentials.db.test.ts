import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { memberships } from "@/db/schema";
import { zendeskConnections, zendeskOauthClients } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { settleAfterResponse } from "../after-response.js";
import { appZendeskHost } from "@/lib/auth/zendesk-host";
import { connectWithClientCredentials } from "./client-credentials.js";
import { zendesk } from "../api-client.js";
import { disconnectConnection } from "./disconnect.js";
import {
  createTestAccount,
  grantCount,
  setupZendeskSimulator,
  storedConnection,
  testSubdomain,
} from "@/testing/zendesk";
import { refreshConnection } from "../tokens/lifecycle.js";

setupTestDatabase();
const fixture = setupZendeskSimulator();

// packages/zendesk-simulator/seed.json: acme's own confidential client (a development fixture, not a secret).
const ACME_LOCAL = { identifier: "acme-local-app", secret: "acme-local-secret" };

describe("connectWithClientCredentials", () => {
  it("connects with no browser, as the client's owner, and stores no refresh token", async () => {
    const account = await createTestAccount();
    const result = await connectWithClientCredentials(
      {
        ...account,
        subdomain: testSubdomain("acme"),
        scopes: ["tickets:read", "users:read"],
        ...ACME_LOCAL,
      },
      appZendeskHost,
    );
    expect(result).toMatchObject({ ok: true, created: true });
    if (!result.ok) return;
    const row = await storedConnection(result.connectionId);
    expect(row.mode).toBe("client_credentials");
    expect(row.refreshTokenCiphertext).toBeNull();
    expect(row.refreshTokenExpiresAt).toBeNull();
    expect(row.grantedScopes).toEqual(["tickets:read", "users:read"]);
    expect(row.zendeskUserName).toBe("Ada Admin");
    expect(row.accessTokenExpiresAt!.getTime() - Date.now()).toBeGreaterThan(3500_000);
    expect(await grantCount(fixture.sim, "client_credentials")).toBe(1);
    expect((await zendesk(result.connectionId).me()).id).toBe("10001");
  });

  it("renews with the same grant, exactly once, and Disconnect revokes it", async () => {
    const account = await createTestAccount();
    const result = await connectWithClientCredentials(
      {
        ...account,
        subdomain: testSubdomain("acme"),
        scopes: ["read"],
        ...ACME_LOCAL,
      },
      appZendeskHost,
    );
    if (!result.ok) throw new Error(result.code);
    await settleAfterResponse(); // current.json's token id (revocation by id) follows the connect
    // Precondition of the revocation below (tokens/lifecycle.ts revokes a replaced token by id only).
    expect((await storedConnection(result.connectionId)).zendeskTokenId).toMatch(/^\d+$/);
    // Zendesk answers slowly, so all five have read the base version before the first renewal
    // stores (a late starter would otherwise force a second renewal from the new version).
    await fixture.sim.control.injectFault({ endpoint: "token", kind: "delay", delay_ms: 1000 });
    const renewed = await Promise.all(
      Array.from({ length: 5 }, () => refreshConnection(result.connectionId, { force: true })),
    );
    expect(renewed.every((r) => r.ok)).toBe(true);
    // Five concurrent forced renewals from one base version share one grant.
    expect(await grantCount(fixture.sim, "client_credentials")).toBe(2);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);
    // The replaced token was revoked: only the current one is alive in Zendesk.
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(1);

    const disconnected = await disconnectConnection(result.connectionId, account.userId);
    expect(disconnected).toMatchObject({ ok: true, revocation: { status: "revoked" } });
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(0);
  });

  it("a wrong secret is invalid_client and stores neither the client nor a connection", async () => {
    const account = await createTestAccount();
    const result = await connectWithClientCredentials(
      {
        ...account,
        subdomain: testSubdomain("acme"),
        scopes: ["read"],
        identifier: ACME_LOCAL.identifier,
        secret: "wrong",
      },
      appZendeskHost,
    );
    expect(result).toEqual({ ok: false, code: "invalid_client" });
    expect(
      await db.select().from(zendeskOauthClients).where(eq(zendeskOauthClients.workspaceId, account.workspaceId)),
    ).toHaveLength(0);
    expect(
      await db.select().from(zendeskConnections).where(eq(zendeskConnections.workspaceId, account.workspaceId)),
    ).toHaveLength(0);
  });

  it("a public client is refused by Zendesk; an unknown subdomain is reported as such", async () => {
    const account = await createTestAccount();
    const pub = await connectWithClientCredentials(
      {
        ...account,
        subdomain: testSubdomain("acme"),
        scopes: ["read"],
        identifier: "acme-public-app",
        secret: "anything",
      },
      appZendeskHost,
    );
    expect(pub).toMatchObject({ ok: false, code: "invalid_client" });
    const unknown = await connectWithClientCredentials(
      {
        ...account,
        subdomain: testSubdomain("nosuchco"),
        scopes: ["read"],
        ...ACME_LOCAL,
      },
      appZendeskHost,
    );
    expect(unknown).toEqual({ ok: false, code: "unknown_subdomain" });
  });

  it("reconnecting without the secret reuses the saved one; a different identifier needs its secret", async () => {
    const account = await createTestAccount();
    const first = await connectWithClientCredentials(
      {
        ...account,
        subdomain: testSubdomain("acme"),
        scopes: ["read"],
        ...ACME_LOCAL,
      },
      appZendeskHost,
    );
    const again = await connectWithClientCredentials(
      {
        ...account,
        subdomain: testSubdomain("acme"),
        scopes: ["read"],
        identifier: ACME_LOCAL.identifier,
      },
      appZendeskHost,
    );
    expect(again).toMatchObject({ ok: true, created: false });
    if (first.ok && again.ok) expect(again.connectionId).toBe(first.connectionId);
    const other = await connectWithClientCredentials(
      {
        ...account,
        subdomain: testSubdomain("acme"),
        scopes: ["read"],
        identifier: "someone-else",
      },
      appZendeskHost,
    );
    expect(other).toEqual({ ok: false, code: "secret_required" });
  });

  it("a member may not connect", async () => {
    const owner = await createTestAccount();
    const member = await createTestAccount();
    await db.insert(memberships).values({ workspaceId: owner.workspaceId, userId: member.userId, role: "member" });
    const result = await connectWithClientCredentials(
      {
        workspaceId: owner.workspaceId,
        userId: member.userId,
        subdomain: testSubdomain("acme"),
        scopes: ["read"],
        ...ACME_LOCAL,
      },
      appZendeskHost,
    );
    expect(result).toEqual({ ok: false, code: "not_allowed" });
  });
});
