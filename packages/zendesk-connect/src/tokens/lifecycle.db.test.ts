import { spawn } from "node:child_process";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnectionEvents, zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { type ConnectionEvent, onConnectionEvent } from "../store/events.js";
import {
  connectTestConnection,
  endpointCount,
  expireAccessToken,
  expireStoredAccessToken,
  grantCount,
  setupZendeskSimulator,
  SIM_GLOBAL_CLIENT,
  storedConnection,
  tokenDigest,
} from "@/testing/zendesk";
import { getAccessToken, refreshConnection } from "./lifecycle.js";
import { ZendeskError } from "../transport/errors.js";
import { settleAfterResponse } from "../after-response.js";

const database = setupTestDatabase();
const fixture = setupZendeskSimulator();

async function eventsOf(connectionId: string) {
  return db.select().from(zendeskConnectionEvents).where(eq(zendeskConnectionEvents.connectionId, connectionId));
}

describe("getAccessToken", () => {
  it("returns the stored token while it is valid, without calling Zendesk", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.clearLog();
    const token = await getAccessToken(connectionId);
    expect(token).toMatch(/\S{10,}/);
    expect(await getAccessToken(connectionId)).toBe(token);
    expect((await fixture.sim.control.requestLog()).total).toBe(0);
  });

  it("renews an expiring token, storing the rotated pair re-encrypted with token_version + 1 and a refreshed event", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const before = await storedConnection(connectionId);
    const oldToken = await getAccessToken(connectionId);
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.clearLog();

    const token = await getAccessToken(connectionId);
    expect(token).not.toBe(oldToken);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    // The request: the grant, the client in the body, and the lifetimes we want for both tokens.
    const request = (await fixture.sim.control.requestLog()).entries.find((e) => e.grant_type === "refresh_token");
    expect(request?.params).toEqual({
      grant_type: "refresh_token",
      refresh_token: "[masked]",
      client_id: SIM_GLOBAL_CLIENT.id,
      client_secret: "[masked]",
      expires_in: "3600",
      refresh_token_expires_in: "2592000",
    });
    // After the commit: current.json names the new token; a refresh rotated the pair at Zendesk,
    // so nothing is revoked (only a replaced client-credentials token is).
    await settleAfterResponse();
    expect(await endpointCount(fixture.sim, "tokens_current")).toBe(1);
    expect(await endpointCount(fixture.sim, "token_revoke")).toBe(0);
    expect((await fixture.sim.control.requestLog()).total).toBe(2);
    const after = await storedConnection(connectionId);
    expect(after.tokenVersion).toBe(before.tokenVersion + 1);
    expect(after.refreshTokenCiphertext).not.toBe(before.refreshTokenCiphertext);
    expect(after.accessTokenCiphertext).not.toContain(token);
    expect(after.lastRefreshedAt).toBeInstanceOf(Date);
    expect(after.status).toBe("active");
    // expires_in from the response (we always ask for ZENDESK_ACCESS_TOKEN_TTL_SECONDS = 3600).
    expect(after.accessTokenExpiresAt!.getTime() - Date.now()).toBeGreaterThan(3500_000);
    expect(after.zendeskTokenId).not.toBe(before.zendeskTokenId);
    const events = await eventsOf(connectionId);
    const refreshed = events.filter((e) => e.type === "refreshed");
    expect(refreshed).toHaveLength(1);
    expect(JSON.stringify(refreshed)).not.toContain(token);

    // The old pair is gone at Zendesk; the new one works.
    const tokens = await fixture.sim.control.tokens({ subdomain: "acme" });
    expect(tokens.map((t) => t.token)).toContain(token.slice(0, 10));
    expect(tokens.map((t) => t.token)).not.toContain(oldToken.slice(0, 10));

    // The rotated refresh token and its lifetime were stored: the next renewal sends it, and
    // Zendesk (which refuses a rotated-away refresh token) accepts it.
    expect(after.refreshTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now());
    await expireAccessToken(fixture.sim, connectionId);
    expect(await getAccessToken(connectionId)).not.toBe(token);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
    expect(await storedConnection(connectionId)).toMatchObject({
      status: "active",
      tokenVersion: after.tokenVersion + 1,
    });
  });

  it("50 concurrent callers on an expired connection cause exactly one refresh and all get the same new token", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.setOptions({ latency_ms: 100 });
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.clearLog();

    const started = performance.now();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => getAccessToken(connectionId)));
    const elapsed = Math.round(performance.now() - started);

    expect(new Set(tokens).size).toBe(1);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    expect((await storedConnection(connectionId)).tokenVersion).toBe(2);
    console.info(`[measure] ${database.kind()}: 50 concurrent getAccessToken -> 1 refresh in ${elapsed} ms`);
  });

  it("renews a client-credentials connection with the client_credentials grant through the same exactly-once path", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim, { mode: "client_credentials" });
    expect((await storedConnection(connectionId)).refreshTokenCiphertext).toBeNull();
    // More was asked for than Zendesk granted: a renewal asks for what it has.
    await db
      .update(zendeskConnections)
      .set({ requestedScopes: ["read", "write", "tickets:write"] })
      .where(eq(zendeskConnections.id, connectionId));
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.clearLog();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => getAccessToken(connectionId)));
    expect(new Set(tokens).size).toBe(1);
    expect(await grantCount(fixture.sim, "client_credentials")).toBe(1);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);
    const row = await storedConnection(connectionId);
    expect(row).toMatchObject({
      tokenVersion: 2,
      status: "active",
      refreshTokenCiphertext: null,
      refreshTokenExpiresAt: null,
    });
    // It asks for the scopes Zendesk granted, space-separated.
    const scopes = async () =>
      (await fixture.sim.control.requestLog()).entries
        .filter((e) => e.grant_type === "client_credentials")
        .map((e) => e.params?.scope);
    expect(await scopes()).toEqual(["read write"]);
    // No refresh token to ask a lifetime for.
    expect(
      (await fixture.sim.control.requestLog()).entries.find((e) => e.grant_type === "client_credentials")?.params,
    ).toEqual({
      grant_type: "client_credentials",
      scope: "read write",
      client_id: SIM_GLOBAL_CLIENT.id,
      client_secret: "[masked]",
      expires_in: "3600",
    });

    // Granted scopes unknown (an older row): the requested ones.
    await db
      .update(zendeskConnections)
      .set({ grantedScopes: [], requestedScopes: ["read", "tickets:write"] })
      .where(eq(zendeskConnections.id, connectionId));
    await fixture.sim.control.clearLog();
    expect(await refreshConnection(connectionId, { force: true })).toMatchObject({ ok: true, refreshed: true });
    expect(await scopes()).toEqual(["read tickets:write"]);
  });

  it("marks an expired refresh token needs_reconnect without calling Zendesk, then fails fast", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await db
      .update(zendeskConnections)
      .set({ accessTokenExpiresAt: new Date(Date.now() - 1000), refreshTokenExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(zendeskConnections.id, connectionId));
    await fixture.sim.control.clearLog();
    const heard: ConnectionEvent[] = [];
    const off = onConnectionEvent((e) => void heard.push(e));
    try {
      await expect(getAccessToken(connectionId)).rejects.toMatchObject({
        name: "ZendeskError",
        code: "refresh_token_expired",
      });
      await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: "refresh_token_expired" });
    } finally {
      off();
    }
    expect((await fixture.sim.control.requestLog()).total).toBe(0);
    const row = await storedConnection(connectionId);
    expect(row.status).toBe("needs_reconnect");
    expect(row.statusReason).toMatch(/refresh token expired/i);
    expect(heard.map((e) => e.type)).toContain("needs_reconnect");
  });

  it("does nothing for a refresh that is not due unless forced, and a forced one returns the new expiry", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const idle = await refreshConnection(connectionId);
    expect(idle).toMatchObject({ ok: true, refreshed: false });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);

    const forced = await refreshConnection(connectionId, { force: true });
    expect(forced).toMatchObject({ ok: true, refreshed: true });
    if (!forced.ok) throw new Error("unreachable");
    expect(forced.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });

  it("gives typed failures for unknown connections and for connections Zendesk refused", async () => {
    await expect(getAccessToken("00000000-0000-0000-0000-000000000000")).rejects.toBeInstanceOf(ZendeskError);
    const result = await refreshConnection("00000000-0000-0000-0000-000000000000", { force: true });
    expect(result).toEqual({ ok: false, code: "connection_not_found", message: expect.any(String) });

    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.revokeToken({ subdomain: "acme" });
    const refused = await refreshConnection(connectionId, { force: true });
    expect(refused).toMatchObject({ ok: false, code: "needs_reconnect" });
    expect(await storedConnection(connectionId)).toMatchObject({ status: "needs_reconnect" });
  });

  it("renews the row its caller already read (Refresh now on the settings page), reading nothing first", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const row = await storedConnection(connectionId);
    expect(await refreshConnection(row, { force: true })).toMatchObject({ ok: true, refreshed: true });
    expect(await storedConnection(connectionId)).toMatchObject({ tokenVersion: row.tokenVersion + 1 });
  });

  it("throws a failure of its own (the database's) instead of reporting it as Zendesk's answer", async () => {
    // Not a uuid: Postgres refuses the query itself.
    await expect(refreshConnection("not-a-connection-id", { force: true })).rejects.not.toBeInstanceOf(ZendeskError);
  });

  it("keeps the expiry unknown (null), never invented, when the refresh answer has no expires_in and current.json cannot tell", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireStoredAccessToken(connectionId);
    // A canned 201 without expiry fields; its made-up token is then refused by current.json,
    // so neither lifetime is known: both stay null (tokens/expiry.ts) and so does the token id.
    await fixture.sim.control.injectFault({
      endpoint: "token",
      grant_type: "refresh_token",
      kind: "status",
      status: 201,
      body: {
        access_token: "canned-access-token-value",
        token_type: "bearer",
        refresh_token: "canned-refresh-token-value",
        scope: "read write",
      },
    });
    await getAccessToken(connectionId);
    const row = await storedConnection(connectionId);
    expect(row.accessTokenCiphertext).not.toBeNull();
    expect(row.tokenVersion).toBeGreaterThan(0);
    expect(row.accessTokenExpiresAt).toBeNull();
    expect(row.zendeskTokenId).toBeNull();
    expect(row.refreshTokenExpiresAt).toBeNull();
    // The history says so rather than inventing one.
    const refreshed = (await eventsOf(connectionId)).filter((e) => e.type === "refreshed");
    expect(refreshed.map((e) => e.detail)).toEqual(["Access token renewed; Zendesk gave no expiry"]);
  });
});

// Several processes on one database need Postgres (PGlite is single-process): these tests belong
// to the Postgres suite by design and are not registered at all on PGlite, so nothing is skipped.
(process.env.TEST_DB === "postgres" ? describe : () => {})("across processes (Postgres suite)", () => {
  afterEach(async () => {
    await fixture.sim.control.setOptions({ latency_ms: 0 });
  });

  it("2 processes x 50 concurrent calls: exactly one refresh at Zendesk and all 100 callers get the same token", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.setOptions({ latency_ms: 150 });
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.clearLog();

    const workers = [startWorker(connectionId, 50), startWorker(connectionId, 50)];
    await Promise.all(workers.map((w) => w.ready));
    const started = performance.now();
    for (const w of workers) w.go();
    const results = await Promise.all(workers.map((w) => w.done));
    const elapsed = Math.round(performance.now() - started);

    const digests = results.flat();
    expect(digests).toHaveLength(100);
    expect(new Set(digests).size).toBe(1);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    const row = await storedConnection(connectionId);
    expect(row.tokenVersion).toBe(2);
    expect(digests[0]).toBe(tokenDigest(await getAccessToken(connectionId)));
    const refreshed = await db
      .select()
      .from(zendeskConnectionEvents)
      .where(
        and(eq(zendeskConnectionEvents.connectionId, connectionId), eq(zendeskConnectionEvents.type, "refreshed")),
      );
    expect(refreshed).toHaveLength(1);
    console.info(`[measure] postgres: 2 processes x 50 getAccessToken -> 1 refresh in ${elapsed} ms`);
  }, 60_000);
});

/** A child process running testing/race-worker.ts; it prints digests, never tokens. */
function startWorker(connectionId: string, calls: number) {
  const child = spawn(
    "npx",
    ["tsx", "--conditions=react-server", "testing/race-worker.ts", connectionId, String(calls)],
    {
      env: process.env,
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes("ready\n")) onReady();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<string[]>((resolve, reject) => {
    child.on("exit", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) reject(new Error(`worker exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve((JSON.parse(line) as { digests: string[] }).digests);
    });
  });
  return { ready, done, go: () => child.stdin.end("go\n") };
}
