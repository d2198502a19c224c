import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
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
import { logger } from "../telemetry/log.js";

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
    const warnings = vi.spyOn(logger, "warn");
    const renewed = await Promise.all(
      Array.from({ length: 5 }, () => refreshConnection(result.connectionId, { force: true })),
    );
    await settleAfterResponse();
    // The replaced token was revoked: nothing to warn about.
    expect(warnings).not.toHaveBeenCalled();
    warnings.mockRestore();
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

  it("a replaced token that cannot be revoked, or read, is logged and left to expire; the renewal stands", async () => {
    const account = await createTestAccount();
    const result = await connectWithClientCredentials(
      { ...account, subdomain: testSubdomain("acme"), scopes: ["read"], ...ACME_LOCAL },
      appZendeskHost,
    );
    if (!result.ok) throw new Error(result.code);
    await settleAfterResponse();
    const warnings = vi.spyOn(logger, "warn").mockImplementation(() => {});
    try {
      // Zendesk fails the revocation of the replaced token.
      await fixture.sim.control.injectFault({ endpoint: "token_revoke", kind: "status", status: 500 });
      expect(await refreshConnection(result.connectionId, { force: true })).toMatchObject({
        ok: true,
        refreshed: true,
      });
      await settleAfterResponse();
      expect(warnings).toHaveBeenCalledTimes(1);
      const [fields, message] = warnings.mock.calls[0] as unknown as [Record<string, unknown>, string];
      expect(message).toBe("the replaced client-credentials token was not revoked; it expires by itself");
      expect(fields).toMatchObject({
        connectionId: result.connectionId,
        subdomain: "acme",
        reason: expect.stringMatching(/^Zendesk did not confirm the revocation: /),
      });
      expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(2);

      // The stored token can no longer be read (a removed key): nothing is sent to revoke it.
      await db
        .update(zendeskConnections)
        .set({ accessTokenCiphertext: "v1:test1:damaged" })
        .where(eq(zendeskConnections.id, result.connectionId));
      await fixture.sim.control.clearLog();
      expect(await refreshConnection(result.connectionId, { force: true })).toMatchObject({
        ok: true,
        refreshed: true,
      });
      await settleAfterResponse();
      expect(warnings).toHaveBeenCalledTimes(2);
      expect(warnings.mock.calls[1]![0]).toMatchObject({ reason: "the stored token could not be read" });
      const log = await fixture.sim.control.requestLog();
      expect(log.counts.by_endpoint.token_revoke ?? 0).toBe(0);
      expect((await storedConnection(result.connectionId)).status).toBe("active");
    } finally {
      warnings.mockRestore();
    }
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
