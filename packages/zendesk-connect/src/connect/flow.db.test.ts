import { and, eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import {
  zendeskConnectIntents,
  zendeskConnectionEvents,
  zendeskConnections,
  zendeskOauthClients,
} from "../db/schema.js";
import { settleAfterResponse } from "../after-response.js";
import { setupTestDatabase } from "@/testing/database";
import { connectThroughCallback } from "@/testing/connect-flow";
import {
  createTestAccount,
  endpointCount,
  grantCount,
  setupZendeskSimulator,
  storedConnection,
  testSubdomain,
} from "@/testing/zendesk";
import { zendeskSettings } from "../transport/settings.js";
import { resolveClientCredentials } from "../store/oauth-clients.js";
import { type RecordedConnectionEvent, onConnectionEvent } from "../store/events.js";
import { refreshConnection } from "../tokens/lifecycle.js";
import { connectWithClientCredentials } from "./client-credentials.js";
import { grantedScopes } from "./flow.js";
import { appZendeskHost } from "@/lib/auth/zendesk-host";

/*
 * The OAuth connect end to end in process: the app's own prepareConnect, Auth.js's real sign-in
 * and callback handlers, the simulator over HTTP, a real database (PGlite, or Postgres with
 * TEST_DB=postgres). Follow-ups that run after the response are awaited with settleAfterResponse.
 */

setupTestDatabase();
const fixture = setupZendeskSimulator({ httpTimeoutMs: 1000 });

// packages/zendesk-simulator/seed.json: acme's own confidential client (a development fixture, not a secret).
const ACME_LOCAL = { identifier: "acme-local-app", kind: "confidential" as const, secret: "acme-local-secret" };
const SCOPES = ["tickets:read", "users:read"];

afterEach(async () => {
  await settleAfterResponse();
  await db.execute(sql`drop trigger if exists zc_test_fail on zendesk_connections`);
  await db.execute(sql`drop trigger if exists zc_test_fail on zendesk_connection_events`);
});

async function connectionOf(workspaceId: string) {
  const [row] = await db.select().from(zendeskConnections).where(eq(zendeskConnections.workspaceId, workspaceId));
  return row;
}

async function historyOf(workspaceId: string) {
  const rows = await db
    .select()
    .from(zendeskConnectionEvents)
    .where(eq(zendeskConnectionEvents.workspaceId, workspaceId))
    .orderBy(zendeskConnectionEvents.id);
  return rows.map((r) => ({ type: r.type, detail: r.detail, data: r.data }));
}

/** Makes every write of a table fail, as a full disk or a dropped connection would. */
async function breakWrites(table: "zendesk_connections" | "zendesk_connection_events", when = "true") {
  await db.execute(
    sql.raw(`create or replace function zc_test_fail() returns trigger language plpgsql as $$
      begin if ${when} then raise exception 'simulated storage failure'; end if; return new; end $$`),
  );
  await db.execute(
    sql.raw(
      `create trigger zc_test_fail before insert or update on ${table} for each row execute function zc_test_fail()`,
    ),
  );
}

function expectLifetimesFromTokenResponse(row: {
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
}) {
  const s = zendeskSettings();
  const now = Date.now();
  expect(Math.abs(row.accessTokenExpiresAt!.getTime() - (now + s.accessTokenTtlSeconds * 1000))).toBeLessThan(15_000);
  expect(Math.abs(row.refreshTokenExpiresAt!.getTime() - (now + s.refreshTokenTtlSeconds * 1000))).toBeLessThan(15_000);
}

describe("current.json is optional at connect", () => {
  const refusals = [
    { name: "401", fault: { kind: "status", status: 401, body: { error: "invalid_token" } } },
    { name: "403", fault: { kind: "status", status: 403, body: { error: "Forbidden" } } },
    { name: "404", fault: { kind: "status", status: 404, body: { error: "InvalidEndpoint" } } },
    { name: "500", fault: { kind: "status", status: 500, body: { error: "InternalError" } } },
    { name: "slower than the HTTP timeout", fault: { kind: "delay", delay_ms: 2500 } },
  ] as const;
  for (const { name, fault } of refusals) {
    it(`connects with the token response's scopes and expiry when current.json answers ${name}`, async () => {
      await fixture.sim.control.injectFault({ endpoint: "tokens_current", ...fault });
      const account = await createTestAccount();
      const outcome = await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
      expect(outcome).toMatchObject({ ok: true, created: true });
      await settleAfterResponse();
      const row = (await connectionOf(account.workspaceId))!;
      expect(row).toMatchObject({ status: "active", grantedScopes: SCOPES, zendeskTokenId: null });
      expectLifetimesFromTokenResponse(row);
      // Asked once (a timed-out request is logged only when the simulator finishes it).
      if (fault.kind === "status") expect(await endpointCount(fixture.sim, "tokens_current")).toBe(1);
    });
  }

  for (const mode of ["require_read", "missing"] as const) {
    it(`connects when the instance's current.json is ${mode}`, async () => {
      await fixture.sim.control.setOptions({ tokens_current: { acme: mode } });
      const account = await createTestAccount();
      expect(await connectThroughCallback(fixture.sim, account, { scopes: SCOPES })).toMatchObject({ ok: true });
      await settleAfterResponse();
      const row = (await connectionOf(account.workspaceId))!;
      expect(row).toMatchObject({ status: "active", grantedScopes: SCOPES, zendeskTokenId: null });
      expectLifetimesFromTokenResponse(row);
      // The connection lives on the token response alone: it refreshes and calls the API.
      expect(await refreshConnection(row.id, { force: true })).toMatchObject({ ok: true, refreshed: true });
    });
  }

  it("runs after the response: the callback answers first, the token id arrives later", async () => {
    await fixture.sim.control.injectFault({ endpoint: "tokens_current", kind: "delay", delay_ms: 600 });
    const account = await createTestAccount();
    expect(await connectThroughCallback(fixture.sim, account, { scopes: SCOPES })).toMatchObject({ ok: true });
    // The callback has answered: current.json is still in flight (or not sent), nothing waited on it.
    expect((await connectionOf(account.workspaceId))!.zendeskTokenId).toBeNull();
    await settleAfterResponse();
    const row = (await connectionOf(account.workspaceId))!;
    expect(row.zendeskTokenId).toMatch(/^\d+$/);
    expect(row.grantedScopes).toEqual(SCOPES);
    expectLifetimesFromTokenResponse(row);
  });

  it("takes the granted scopes from the response's scope, else the requested ones", () => {
    expect(grantedScopes("read tickets:write", ["read"])).toEqual({ scopes: ["read", "tickets:write"], stated: true });
    expect(grantedScopes(undefined, ["read"])).toEqual({ scopes: ["read"], stated: false });
    expect(grantedScopes("  ", ["read"])).toEqual({ scopes: ["read"], stated: false });
  });
});

describe("a workspace's own client is saved only once Zendesk accepts it", () => {
  it("a first connect stores the client with the connection; a wrong secret stores nothing", async () => {
    const account = await createTestAccount();
    const wrong = await connectThroughCallback(fixture.sim, account, {
      pendingClient: { ...ACME_LOCAL, secret: "typo" },
    });
    expect(wrong).toMatchObject({ ok: false, code: "invalid_client" });
    expect(
      await db.select().from(zendeskOauthClients).where(eq(zendeskOauthClients.workspaceId, account.workspaceId)),
    ).toEqual([]);
    expect(await connectionOf(account.workspaceId)).toBeUndefined();

    expect(await connectThroughCallback(fixture.sim, account, { pendingClient: ACME_LOCAL })).toMatchObject({
      ok: true,
    });
    const row = (await connectionOf(account.workspaceId))!;
    expect(row.oauthClientId).not.toBeNull();
    expect(await resolveClientCredentials(account.workspaceId, row.oauthClientId)).toMatchObject({
      identifier: ACME_LOCAL.identifier,
      secret: ACME_LOCAL.secret,
    });
  });

  it("a public client connects with PKCE alone and renews sending its id and no secret", async () => {
    const account = await createTestAccount();
    const pub = { identifier: "acme-public-app", kind: "public" as const };
    expect(await connectThroughCallback(fixture.sim, account, { pendingClient: pub })).toMatchObject({ ok: true });
    const row = (await connectionOf(account.workspaceId))!;
    await fixture.sim.control.clearLog();
    expect(await refreshConnection(row.id, { force: true })).toMatchObject({ ok: true, refreshed: true });
    const [request] = (await fixture.sim.control.requestLog()).entries.filter((e) => e.endpoint === "token");
    expect(request!.params).toMatchObject({ grant_type: "refresh_token", client_id: "acme-public-app" });
    expect(request!.params).not.toHaveProperty("client_secret");
  });

  it("a confidential client renews sending its id and its secret", async () => {
    const account = await createTestAccount();
    expect(await connectThroughCallback(fixture.sim, account, { pendingClient: ACME_LOCAL })).toMatchObject({
      ok: true,
    });
    const row = (await connectionOf(account.workspaceId))!;
    await fixture.sim.control.clearLog();
    expect(await refreshConnection(row.id, { force: true })).toMatchObject({ ok: true, refreshed: true });
    const [request] = (await fixture.sim.control.requestLog()).entries.filter((e) => e.endpoint === "token");
    expect(request!.params).toMatchObject({ client_id: "acme-local-app", client_secret: expect.any(String) });
  });

  it("a wrong secret on Reconnect is invalid_client and the working connection still refreshes", async () => {
    const account = await createTestAccount();
    expect(await connectThroughCallback(fixture.sim, account, { pendingClient: ACME_LOCAL })).toMatchObject({
      ok: true,
    });
    const before = (await connectionOf(account.workspaceId))!;

    const retyped = await connectThroughCallback(fixture.sim, account, {
      pendingClient: { ...ACME_LOCAL, secret: "acme-local-secreT" },
    });
    expect(retyped).toMatchObject({ ok: false, code: "invalid_client" });
    expect(retyped.location).toContain("error=invalid_client");

    expect(await resolveClientCredentials(account.workspaceId, before.oauthClientId)).toMatchObject({
      secret: ACME_LOCAL.secret,
    });
    expect(await refreshConnection(before.id, { force: true })).toMatchObject({ ok: true, refreshed: true });
    expect(await storedConnection(before.id)).toMatchObject({
      status: "active",
      tokenVersion: before.tokenVersion + 1,
    });
  });

  it("the intent keeps the entered secret sealed, and consuming it wipes it", async () => {
    const account = await createTestAccount();
    await connectThroughCallback(fixture.sim, account, { pendingClient: ACME_LOCAL });
    const rows = await db
      .select({
        secret: zendeskConnectIntents.pendingClientSecretCiphertext,
        identifier: zendeskConnectIntents.pendingClientIdentifier,
      })
      .from(zendeskConnectIntents)
      .where(eq(zendeskConnectIntents.workspaceId, account.workspaceId));
    expect(rows).toEqual([{ secret: null, identifier: ACME_LOCAL.identifier }]);
  });
});

describe("Reconnect ends the grant it replaces", () => {
  async function liveTokens() {
    return (await fixture.sim.control.tokens({ subdomain: "acme" })).length;
  }

  it("revokes the old token by its id and records it", async () => {
    const account = await createTestAccount();
    await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
    await settleAfterResponse(); // the token id from current.json
    expect(await liveTokens()).toBe(1);
    expect(await connectThroughCallback(fixture.sim, account, { scopes: SCOPES })).toMatchObject({
      ok: true,
      created: false,
    });
    await settleAfterResponse();
    expect(await liveTokens()).toBe(1);
    expect(await historyOf(account.workspaceId)).toEqual([
      expect.objectContaining({ type: "connected" }),
      expect.objectContaining({ type: "reconnected" }),
      expect.objectContaining({ type: "grant_replaced", data: { revocation: "revoked", replacedGrant: true } }),
    ]);
    const log = await fixture.sim.control.requestLog();
    expect(log.entries.some((e) => e.method === "DELETE" && /tokens\/\d+(\.json)?$/.test(e.path))).toBe(true);
  });

  it("without a token id: DELETE current.json plus one check, reported as failed when Zendesk keeps the token", async () => {
    await fixture.sim.control.setOptions({ tokens_current: { acme: "missing" } });
    const account = await createTestAccount();
    await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
    await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
    await settleAfterResponse();
    // The simulator's default DELETE current.json answers 204 and revokes nothing, as reported of Zendesk.
    expect(await liveTokens()).toBe(2);
    expect((await historyOf(account.workspaceId)).at(-1)).toEqual({
      type: "revocation_failed",
      detail: expect.stringContaining("the token still works"),
      data: { revocation: "failed", replacedGrant: true },
    });
  });

  it("without a token id, where DELETE current.json revokes: revoked and verified", async () => {
    await fixture.sim.control.setOptions({ tokens_current: { acme: "missing" }, revoke_on_delete_current: true });
    const account = await createTestAccount();
    await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
    await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
    await settleAfterResponse();
    expect(await liveTokens()).toBe(1);
    expect((await historyOf(account.workspaceId)).at(-1)).toMatchObject({
      type: "grant_replaced",
      data: { revocation: "revoked" },
    });
  });

  it("an expired old access token: its refresh token is renewed once and that token revoked", async () => {
    await fixture.sim.control.setOptions({ tokens_current: { acme: "missing" }, revoke_on_delete_current: true });
    const account = await createTestAccount();
    await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
    await fixture.sim.control.advanceClock(zendeskSettings().accessTokenTtlSeconds + 60);
    await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
    await settleAfterResponse();
    // The old grant's refresh token was used once (then its fresh access token revoked): only the new pair lives.
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    expect(await liveTokens()).toBe(1);
    expect((await historyOf(account.workspaceId)).at(-1)).toMatchObject({
      type: "grant_replaced",
      data: { revocation: "revoked" },
    });
  });

  it("a grant Zendesk already ended needs no revocation", async () => {
    const account = await createTestAccount();
    await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
    await settleAfterResponse();
    await fixture.sim.control.revokeToken({ subdomain: "acme" });
    await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
    await settleAfterResponse();
    expect((await historyOf(account.workspaceId)).at(-1)).toMatchObject({
      type: "grant_replaced",
      data: { revocation: "not_needed" },
    });
  });

  it("a client-credentials re-connect revokes the token it replaces", async () => {
    const account = await createTestAccount();
    const input = {
      ...account,
      subdomain: testSubdomain("acme"),
      scopes: ["read"],
      identifier: ACME_LOCAL.identifier,
      secret: ACME_LOCAL.secret,
    };
    expect(await connectWithClientCredentials(input, appZendeskHost)).toMatchObject({ ok: true, created: true });
    await settleAfterResponse();
    expect(await connectWithClientCredentials(input, appZendeskHost)).toMatchObject({ ok: true, created: false });
    await settleAfterResponse();
    expect(await liveTokens()).toBe(1);
    expect((await historyOf(account.workspaceId)).at(-1)).toMatchObject({
      type: "grant_replaced",
      data: { revocation: "revoked" },
    });
  });
});

describe("a storage failure after Zendesk issued tokens", () => {
  it("is storage_failed (never a tampered callback) and the issued tokens are revoked", async () => {
    await fixture.sim.control.setOptions({ revoke_on_delete_current: true });
    const account = await createTestAccount();
    await breakWrites("zendesk_connections");
    const outcome = await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
    expect(outcome).toMatchObject({ ok: false, code: "storage_failed" });
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toEqual([]);
    expect(await connectionOf(account.workspaceId)).toBeUndefined();
  });

  it("on Reconnect leaves the working connection as it was", async () => {
    const account = await createTestAccount();
    await connectThroughCallback(fixture.sim, account, { pendingClient: ACME_LOCAL });
    await settleAfterResponse();
    const before = (await connectionOf(account.workspaceId))!;
    await breakWrites("zendesk_connections");
    expect(await connectThroughCallback(fixture.sim, account, { pendingClient: { ...ACME_LOCAL } })).toMatchObject({
      ok: false,
      code: "storage_failed",
    });
    await db.execute(sql`drop trigger if exists zc_test_fail on zendesk_connections`);
    expect(await connectionOf(account.workspaceId)).toMatchObject({ id: before.id, tokenVersion: before.tokenVersion });
    expect(await refreshConnection(before.id, { force: true })).toMatchObject({ ok: true });
  });
});

describe("history is written in the state change's transaction; listeners hear only committed changes", () => {
  it("a rolled-back reconnect is neither in the history nor heard", async () => {
    const heard: RecordedConnectionEvent[] = [];
    const off = onConnectionEvent((e) => void heard.push(e));
    try {
      const account = await createTestAccount();
      await connectThroughCallback(fixture.sim, account, { scopes: ["read"] });
      await settleAfterResponse();
      expect(heard.map((e) => e.type)).toEqual(["connected"]);
      // The reconnect's scopes_changed row fails after its reconnected row was written.
      await breakWrites("zendesk_connection_events", "new.type = 'scopes_changed'");
      const outcome = await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
      expect(outcome).toMatchObject({ ok: false, code: "storage_failed" });
      await settleAfterResponse();
      expect(heard.map((e) => e.type)).toEqual(["connected"]);
      expect((await historyOf(account.workspaceId)).map((e) => e.type)).toEqual(["connected"]);
      expect((await connectionOf(account.workspaceId))!.grantedScopes).toEqual(["read"]);
    } finally {
      off();
    }
  });

  it("listeners run after the commit: they see the state they are told about", async () => {
    const seen: Array<[string, boolean]> = [];
    const off = onConnectionEvent(async (e) => {
      const rows = await db
        .select({ id: zendeskConnections.id })
        .from(zendeskConnections)
        .where(and(eq(zendeskConnections.id, e.connectionId!), eq(zendeskConnections.status, "active")));
      seen.push([e.type, rows.length === 1]);
    });
    try {
      const account = await createTestAccount();
      await connectThroughCallback(fixture.sim, account, { scopes: ["read"] });
      await connectThroughCallback(fixture.sim, account, { scopes: SCOPES });
      await settleAfterResponse();
      expect(seen).toEqual(
        expect.arrayContaining([
          ["connected", true],
          ["reconnected", true],
          ["scopes_changed", true],
        ]),
      );
    } finally {
      off();
    }
  });
});
