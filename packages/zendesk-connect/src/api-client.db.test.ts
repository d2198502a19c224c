import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database, db } from "./db/index.js";
import { zendeskConnectionEvents } from "./db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { testConnection, zendesk } from "./api-client.js";
import { authorizeConnectionChange } from "./store/access.js";
import { ZendeskError } from "./transport/errors.js";
import {
  connectTestConnection,
  endpointCount,
  expireAccessToken,
  grantCount,
  setupZendeskSimulator,
  storedConnection,
} from "@/testing/zendesk";

setupTestDatabase();
const fixture = setupZendeskSimulator();

describe("zendesk(connectionId)", () => {
  it("me() and get() use the connection's token on its own instance", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const client = zendesk(connectionId);
    expect(await client.me()).toEqual({
      id: "10001",
      name: "Ada Admin",
      email: "ada.admin@acme.example.com",
      role: "admin",
    });
    const raw = await client.get<{ user: { id: number } }>("/api/v2/users/me.json");
    expect(raw.user.id).toBe(10001);
    const log = await fixture.sim.control.requestLog();
    expect(log.entries.filter((e) => e.endpoint === "users_me").every((e) => e.auth === "bearer")).toBe(true);
  });

  it("renews an expired token before the call (no 401 round trip)", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    await fixture.sim.control.clearLog();
    await zendesk(connectionId).me();
    const log = await fixture.sim.control.requestLog();
    expect(log.counts.by_status["401"] ?? 0).toBe(0);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });

  it("on 401 refreshes exactly once and retries once", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    // The simulator's clock moved past the token's life, but the stored expiry says it is fine.
    await fixture.sim.control.advanceClock(3700);
    await fixture.sim.control.clearLog();
    const tickets = await zendesk(connectionId).tickets();
    expect(tickets).toHaveLength(7);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    const log = await fixture.sim.control.requestLog();
    expect(log.entries.filter((e) => e.endpoint === "tickets").map((e) => e.status)).toEqual([401, 200]);
  });

  it("concurrent 401s on one stale token share one refresh", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.advanceClock(3700);
    await fixture.sim.control.clearLog();
    const client = zendesk(connectionId);
    const users = await Promise.all(Array.from({ length: 10 }, () => client.me()));
    expect(new Set(users.map((u) => u.id))).toEqual(new Set(["10001"]));
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  });

  it("a 401 again after the refresh: needs_reconnect, no loop", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault({
      endpoint: "tickets",
      kind: "status",
      status: 401,
      body: { error: "invalid_token" },
      times: 5,
    });
    await expect(zendesk(connectionId).get("/api/v2/tickets.json")).rejects.toMatchObject({
      name: "ZendeskError",
      code: "needs_reconnect",
    });
    expect(await endpointCount(fixture.sim, "tickets")).toBe(2);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    expect(await storedConnection(connectionId)).toMatchObject({ status: "needs_reconnect" });
  });

  it("paginates across pages", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.clearLog();
    const ids: number[] = [];
    for await (const ticket of zendesk(connectionId).paginate<{ id: number }>("/api/v2/tickets.json", {
      query: { per_page: 3 },
    }))
      ids.push(ticket.id);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await endpointCount(fixture.sim, "tickets")).toBe(3);
    const typed = await zendesk(connectionId).tickets({ perPage: 2, max: 3 });
    expect(typed.map((t) => t.id)).toEqual([1, 2, 3]);
    expect(typed[0]).toMatchObject({ id: 1, subject: expect.any(String), status: expect.any(String) });
  });

  it("follows cursor pages (page[size]): links.next, or meta.after_cursor when no link is given", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    for (let i = 0; i < 243; i++)
      await fixture.sim.control.addTicket("acme", { subject: `Imported ${i}`, description: "Body" });
    const expected = (await fixture.sim.control.tickets("acme")).map((t) => t.id);
    expect(expected.length).toBe(250);
    await fixture.sim.control.clearLog();
    const ids: number[] = [];
    for await (const ticket of zendesk(connectionId).paginate<{ id: number }>("/api/v2/tickets.json", {
      query: { "page[size]": 100 },
    }))
      ids.push(ticket.id);
    expect(ids).toEqual(expected);
    expect(await endpointCount(fixture.sim, "tickets")).toBe(3);
    expect((await zendesk(connectionId).tickets()).map((t) => t.id)).toEqual(expected);

    // A cursor page without links.next: the client asks the same path for page[after].
    const first = await zendesk(connectionId).get<{ tickets: { id: number }[]; meta: { after_cursor: string } }>(
      "/api/v2/tickets.json",
      { query: { "page[size]": 100 } },
    );
    await fixture.sim.control.injectFault({
      endpoint: "tickets",
      kind: "status",
      status: 200,
      body: { tickets: first.tickets, meta: { has_more: true, after_cursor: first.meta.after_cursor }, links: {} },
    });
    const fromCursor: number[] = [];
    for await (const ticket of zendesk(connectionId).paginate<{ id: number }>("/api/v2/tickets.json", {
      query: { "page[size]": 100 },
    }))
      fromCursor.push(ticket.id);
    expect(fromCursor).toEqual(expected);
  });

  it("stops paging with a typed error when next_page leaves the instance", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault({
      endpoint: "tickets",
      kind: "status",
      status: 200,
      body: { tickets: [{ id: 1 }], next_page: "https://evil.example/acme/api/v2/tickets.json?page=2", count: 2 },
    });
    const seen: number[] = [];
    const run = async () => {
      for await (const t of zendesk(connectionId).paginate<{ id: number }>("/api/v2/tickets.json")) seen.push(t.id);
    };
    await expect(run()).rejects.toBeInstanceOf(ZendeskError);
    expect(seen).toEqual([1]);
    expect(await endpointCount(fixture.sim, "tickets")).toBe(1);
  });

  it("refuses absolute URLs, other hosts, '..' and non-API paths before sending anything", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.clearLog();
    const client = zendesk(connectionId);
    for (const path of [
      "https://evil.example/api/v2/users/me.json",
      `${fixture.sim.url}/acme/api/v2/users/me.json`,
      "//evil.example/api/v2/users/me.json",
      "/api/v2/../oauth/tokens",
      "/api/v2/%2e%2e/oauth/tokens",
      "/oauth/tokens",
      "/api/v2/users/me.json#x",
      "api/v2/users/me.json",
    ]) {
      await expect(client.get(path), path).rejects.toMatchObject({ name: "ZendeskError", code: "invalid_url" });
    }
    expect((await fixture.sim.control.requestLog()).total).toBe(0);
    // A query in the path is fine: it is split off and encoded by the URL builder.
    expect(await client.get("/api/v2/tickets.json?per_page=1")).toMatchObject({
      tickets: [expect.objectContaining({ id: 1 })],
    });
  });

  it("waits out a 429 within the bound, honouring Retry-After", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault({ endpoint: "users_me", kind: "plain_text_429", retry_after: 1 });
    const started = performance.now();
    await zendesk(connectionId).me();
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("gives up with a typed rate_limited when the wait would exceed the bound", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    // A new rate window (connecting made API calls), then a limit of 2 per minute.
    await fixture.sim.control.advanceClock(61);
    await fixture.sim.control.setOptions({ rate_limits: { acme: 2 } });
    const client = zendesk(connectionId, { maxRateLimitWaitMs: 2000 });
    await client.me();
    await client.me();
    await fixture.sim.control.clearLog();
    const error = await client.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZendeskError);
    expect(error).toMatchObject({
      code: "rate_limited",
      failure: { kind: "rate_limited", retryAfterSeconds: expect.any(Number) },
    });
    // The Retry-After is beyond the 2 s bound, and the simulator saw that one request only: the
    // client gave up on the 429 instead of waiting (it only waits to retry).
    const failure = (error as ZendeskError).failure;
    expect(failure?.kind === "rate_limited" ? failure.retryAfterSeconds : undefined).toBeGreaterThan(2);
    const log = await fixture.sim.control.requestLog();
    expect(log.entries.map((e) => [e.endpoint, e.status])).toEqual([["users_me", 429]]);
    // A 429 without Retry-After waits the default once or twice, then gives up.
    await fixture.sim.control.injectFault({
      endpoint: "tickets",
      kind: "plain_text_429",
      retry_after: null,
      times: 10,
    });
    const quick = zendesk(connectionId, { defaultRetryAfterMs: 50, maxRateLimitRetries: 2 });
    await fixture.sim.control.setOptions({ rate_limits: { acme: 400 } });
    await fixture.sim.control.advanceClock(61);
    await expect(quick.get("/api/v2/tickets.json")).rejects.toMatchObject({ code: "rate_limited" });
    expect(await endpointCount(fixture.sim, "tickets")).toBe(3);
  });

  it("a scope the token lacks is a typed forbidden, and the connection stays active", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim, { scope: "users:read" });
    await expect(zendesk(connectionId).tickets()).rejects.toMatchObject({ name: "ZendeskError", code: "forbidden" });
    expect(await storedConnection(connectionId)).toMatchObject({ status: "active", tokenVersion: 1 });
  });

  it("a client-credentials connection renews with its grant on 401", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim, { mode: "client_credentials" });
    await fixture.sim.control.advanceClock(3700);
    expect(await zendesk(connectionId).me()).toMatchObject({ role: "admin" });
    expect(await grantCount(fixture.sim, "client_credentials")).toBe(2);
  });
});

describe("testConnection", () => {
  it("records test_succeeded with the user and latency", async () => {
    const { connectionId, userId } = await connectTestConnection(fixture.sim);
    const result = await testConnection(await storedConnection(connectionId), userId);
    expect(result).toMatchObject({ ok: true, user: { id: "10001", name: "Ada Admin" }, latencyMs: expect.any(Number) });
    const [event] = await db
      .select()
      .from(zendeskConnectionEvents)
      .where(
        and(eq(zendeskConnectionEvents.connectionId, connectionId), eq(zendeskConnectionEvents.type, "test_succeeded")),
      );
    expect(event).toMatchObject({ actorUserId: userId, detail: expect.stringContaining("Ada Admin") });
  });

  it("records test_failed with a code for a revoked connection", async () => {
    const { connectionId, userId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.revokeToken({ subdomain: "acme" });
    const result = await testConnection(await storedConnection(connectionId), userId);
    expect(result).toMatchObject({
      ok: false,
      code: "token_revoked",
      message: expect.stringContaining("revoked in Zendesk"),
    });
    // A connection that does not exist is refused before a test can start (the action's access check).
    const member = {
      userId,
      workspaceId: (await storedConnection(connectionId)).workspaceId,
      canManageIntegrations: true,
    };
    expect(await authorizeConnectionChange("00000000-0000-0000-0000-000000000000", member)).toEqual({
      ok: false,
      code: "not_found",
    });
  });

  it("one Test connection click reads the connection row once (the access check's read)", async () => {
    const { connectionId, userId, workspaceId } = await connectTestConnection(fixture.sim);
    const reads: string[] = [];
    const stop = database().onQuery((sql) => {
      if (/^select\b[\s\S]*\bfrom "zendesk_connections"/i.test(sql)) reads.push(sql);
    });
    try {
      const access = await authorizeConnectionChange(connectionId, {
        userId,
        workspaceId,
        canManageIntegrations: true,
      });
      if (!access.ok) throw new Error(`access refused: ${access.code}`);
      expect(await testConnection(access.connection, userId)).toMatchObject({ ok: true });
    } finally {
      stop();
    }
    expect(reads).toHaveLength(1);
  });
});
