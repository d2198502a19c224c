import { describe, expect, it } from "vitest";
import { loadSeed } from "./seed.js";
import {
  ACME_AGENT_ID,
  ACME_END_USER_ID,
  ACME_LOCAL,
  apiCall,
  connect,
  tokenRequest,
  setupSimulator,
} from "./test-support.js";

const context = setupSimulator();

const INVALID_TOKEN = {
  error: "invalid_token",
  error_description: "The access token provided is expired, revoked, malformed or invalid for other reasons.",
};
const FORBIDDEN = {
  error: "Forbidden",
  description:
    "You do not have access to this page. Please contact the account owner of this help desk for further help.",
};

describe("users/me", () => {
  it("returns the signed-in user", async () => {
    const { accessToken } = await connect(context.sim, { scope: "tickets:read" });
    const me = await apiCall(context.sim, "/api/v2/users/me.json", accessToken);
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({
      id: 10001,
      name: "Ada Admin",
      email: "ada.admin@acme.example.com",
      role: "admin",
      locale: "en-US",
      time_zone: "Eastern Time (US & Canada)",
      organization_id: 900001,
      photo: null,
      url: `${context.sim.url}/acme/api/v2/users/10001.json`,
    });
  });

  it("answers an anonymous caller with a user whose id is null", async () => {
    const me = await apiCall(context.sim, "/api/v2/users/me.json", null);
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: null, name: "Anonymous user", role: "end-user" });
  });

  it("refuses unknown tokens and tokens of another instance with invalid_token", async () => {
    expect(await apiCall(context.sim, "/api/v2/users/me.json", "not-a-token")).toMatchObject({
      status: 401,
      body: INVALID_TOKEN,
    });
    const { accessToken } = await connect(context.sim);
    const elsewhere = await apiCall(context.sim, "/api/v2/users/me.json", accessToken, { subdomain: "globex" });
    expect(elsewhere).toMatchObject({ status: 401, body: INVALID_TOKEN });
  });
});

describe("oauth/tokens/current.json", () => {
  it("describes the token: numeric client id, scopes, ISO timestamps, first 10 characters", async () => {
    const { accessToken } = await connect(context.sim, { scope: "read tickets:read", extra: { expires_in: 3600 } });
    const current = await apiCall(context.sim, "/api/v2/oauth/tokens/current.json", accessToken);
    expect(current.status).toBe(200);
    const token = current.body.token as Record<string, unknown>;
    expect(token).toMatchObject({
      id: expect.any(Number),
      client_id: 360000001,
      user_id: 10001,
      scopes: ["read", "tickets:read"],
      token: accessToken.slice(0, 10),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      used_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      refresh_token_expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(Date.parse(String(token.expires_at)) - Date.parse(String(token.created_at))).toBe(3_600_000);
  });

  it("is readable by a token with any scope", async () => {
    const { accessToken } = await connect(context.sim, { scope: "users:read" });
    expect((await apiCall(context.sim, "/api/v2/oauth/tokens/current.json", accessToken)).status).toBe(200);
  });

  it("DELETE current.json answers 204 but does not revoke, unless switched", async () => {
    const kept = await connect(context.sim);
    const answer = await apiCall(context.sim, "/api/v2/oauth/tokens/current.json", kept.accessToken, {
      method: "DELETE",
    });
    expect(answer.status).toBe(204);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", kept.accessToken)).status).toBe(200);

    await context.sim.control.setOptions({ revoke_on_delete_current: true });
    const revoked = await connect(context.sim);
    expect(
      (await apiCall(context.sim, "/api/v2/oauth/tokens/current.json", revoked.accessToken, { method: "DELETE" }))
        .status,
    ).toBe(204);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", revoked.accessToken)).status).toBe(401);
  });
});

describe("oauth/tokens/current.json per-instance mode (tokens_current)", () => {
  const CURRENT = "/api/v2/oauth/tokens/current.json";

  it("require_read: 403 Forbidden without the read scope, 200 with it; other instances unaffected", async () => {
    const options = await context.sim.control.setOptions({ tokens_current: { acme: "require_read" } });
    expect(options.tokens_current).toEqual({ acme: "require_read", globex: "available", initech: "available" });
    const narrow = await connect(context.sim, { scope: "tickets:read users:read" });
    expect(await apiCall(context.sim, CURRENT, narrow.accessToken)).toMatchObject({ status: 403, body: FORBIDDEN });
    // The rest of the API still answers that token.
    expect((await apiCall(context.sim, "/api/v2/users/me.json", narrow.accessToken)).status).toBe(200);
    expect((await apiCall(context.sim, "/api/v2/tickets.json", narrow.accessToken)).status).toBe(200);
    const broad = await connect(context.sim, { scope: "read" });
    expect((await apiCall(context.sim, CURRENT, broad.accessToken)).status).toBe(200);
    const globex = await connect(context.sim, { subdomain: "globex", userId: 20001, scope: "tickets:read" });
    expect((await apiCall(context.sim, CURRENT, globex.accessToken, { subdomain: "globex" })).status).toBe(200);
    // Still a 401 first for a dead token: the scope check needs a live one.
    expect((await apiCall(context.sim, CURRENT, "not-a-token")).status).toBe(401);
  });

  it("missing: 404 InvalidEndpoint whatever the token; DELETE current.json and delete-by-id still work", async () => {
    await context.sim.control.setOptions({ tokens_current: { acme: "missing" } });
    const { accessToken } = await connect(context.sim, { scope: "read write" });
    expect(await apiCall(context.sim, CURRENT, accessToken)).toMatchObject({
      status: 404,
      body: { error: "InvalidEndpoint", description: "Not found" },
    });
    await context.sim.control.setOptions({ revoke_on_delete_current: true });
    expect((await apiCall(context.sim, CURRENT, accessToken, { method: "DELETE" })).status).toBe(204);
    expect(await apiCall(context.sim, "/api/v2/users/me.json", accessToken)).toMatchObject({
      status: 401,
      body: INVALID_TOKEN,
    });
  });

  it("comes from the seed, and reset restores it", async () => {
    const seed = loadSeed();
    const acme = seed.instances.find((instance) => instance.subdomain === "acme");
    if (acme === undefined) throw new Error("no acme in the seed");
    await context.sim.control.reset({ ...seed, instances: [{ ...acme, tokens_current: "missing" }] });
    try {
      const { accessToken } = await connect(context.sim, { scope: "read" });
      expect((await apiCall(context.sim, CURRENT, accessToken)).status).toBe(404);
      expect((await context.sim.control.instances())[0]).toMatchObject({
        subdomain: "acme",
        tokens_current: "missing",
      });
      await context.sim.control.setOptions({ tokens_current: { acme: "available" } });
      expect((await apiCall(context.sim, CURRENT, accessToken)).status).toBe(200);
      await context.sim.control.reset();
      expect((await context.sim.control.options()).tokens_current).toEqual({ acme: "missing" });
    } finally {
      await context.sim.control.reset(loadSeed());
    }
  });

  it("refuses an unknown mode or instance without changing anything", async () => {
    await expect(
      context.sim.control.setOptions({ tokens_current: { acme: "sometimes" as "missing" } }),
    ).rejects.toMatchObject({ status: 400, body: { error: "invalid_body" } });
    await expect(
      context.sim.control.setOptions({ rate_limits: { acme: 5 }, tokens_current: { nowhere: "missing" } }),
    ).rejects.toMatchObject({ status: 404 });
    expect(await context.sim.control.options()).toMatchObject({
      rate_limits: { acme: 400 },
      tokens_current: { acme: "available" },
    });
  });

  it("faults break current.json and the token endpoint: 401/403/404/500 and a delay", async () => {
    const { accessToken } = await connect(context.sim, { scope: "read" });
    for (const status of [401, 403, 404, 500]) {
      await context.sim.control.injectFault({
        endpoint: "tokens_current",
        kind: "status",
        status,
        body: { error: `simulated ${status}` },
      });
      expect(await apiCall(context.sim, CURRENT, accessToken)).toMatchObject({
        status,
        body: { error: `simulated ${status}` },
      });
    }
    expect((await apiCall(context.sim, CURRENT, accessToken)).status).toBe(200);

    await context.sim.control.injectFault({ endpoint: "tokens_current", kind: "delay", delay_ms: 400 });
    let started = performance.now();
    expect((await apiCall(context.sim, CURRENT, accessToken)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);

    await context.sim.control.injectFault({
      endpoint: "token",
      grant_type: "client_credentials",
      kind: "delay",
      delay_ms: 400,
    });
    started = performance.now();
    const slow = await tokenRequest(context.sim, {
      grant_type: "client_credentials",
      client_id: ACME_LOCAL.id,
      client_secret: ACME_LOCAL.secret,
      scope: "read",
    });
    expect(slow.status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    // A 6 s delay (issue 13's scenario) is accepted; it fires on the next matching request only.
    expect(
      await context.sim.control.injectFault({ endpoint: "tokens_current", kind: "delay", delay_ms: 6000 }),
    ).toMatchObject({ delay_ms: 6000, remaining: 1 });
  });
});

describe("DELETE oauth/tokens/current.json with revoke_on_delete_current", () => {
  it("revokes the calling token and its refresh token: the next API call is 401 invalid_token", async () => {
    await context.sim.control.setOptions({ revoke_on_delete_current: true });
    const { accessToken, refreshToken } = await connect(context.sim, { scope: "tickets:read" });
    const other = await connect(context.sim, { scope: "tickets:read" });
    const answer = await apiCall(context.sim, "/api/v2/oauth/tokens/current.json", accessToken, { method: "DELETE" });
    expect(answer).toMatchObject({ status: 204, text: "" });
    expect(await apiCall(context.sim, "/api/v2/tickets.json", accessToken)).toMatchObject({
      status: 401,
      body: INVALID_TOKEN,
    });
    expect(answer.headers.get("content-length")).toBeNull();
    const refreshed = await tokenRequest(context.sim, {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: "zdg-zendesk-connect-dev",
      client_secret: "dev-global-client-secret",
    });
    expect(refreshed).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    // Only the calling token: another connection to the same instance lives on.
    expect((await apiCall(context.sim, "/api/v2/tickets.json", other.accessToken)).status).toBe(200);
    const log = await context.sim.control.requestLog();
    expect(log.entries.find((entry) => entry.method === "DELETE")).toMatchObject({
      endpoint: "token_revoke",
      status: 204,
    });
  });
});

describe("DELETE oauth/tokens/{id}.json", () => {
  async function tokenId(accessToken: string): Promise<number> {
    const current = await apiCall(context.sim, "/api/v2/oauth/tokens/current.json", accessToken);
    return Number((current.body.token as Record<string, unknown>).id);
  }

  it("revokes the access token and its refresh token (204)", async () => {
    const { accessToken, refreshToken } = await connect(context.sim, { scope: "read" });
    const id = await tokenId(accessToken);
    expect(
      (await apiCall(context.sim, `/api/v2/oauth/tokens/${id}.json`, accessToken, { method: "DELETE" })).status,
    ).toBe(204);
    expect(await apiCall(context.sim, "/api/v2/users/me.json", accessToken)).toMatchObject({
      status: 401,
      body: INVALID_TOKEN,
    });
    const refreshed = await tokenRequest(context.sim, {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: "zdg-zendesk-connect-dev",
      client_secret: "dev-global-client-secret",
    });
    expect(refreshed.body.error).toBe("invalid_grant");
  });

  it("answers 404 for an unknown id", async () => {
    const { accessToken } = await connect(context.sim);
    const answer = await apiCall(context.sim, "/api/v2/oauth/tokens/123.json", accessToken, { method: "DELETE" });
    expect(answer.status).toBe(404);
  });

  it("lets an admin with write revoke another token, but not an agent", async () => {
    const agent = await connect(context.sim, { userId: ACME_AGENT_ID, scope: "read write" });
    const admin = await connect(context.sim, { scope: "read write" });
    const adminTokenId = await tokenId(admin.accessToken);
    const byAgent = await apiCall(context.sim, `/api/v2/oauth/tokens/${adminTokenId}.json`, agent.accessToken, {
      method: "DELETE",
    });
    expect(byAgent).toMatchObject({ status: 403, body: FORBIDDEN });
    const agentTokenId = await tokenId(agent.accessToken);
    const byAdmin = await apiCall(context.sim, `/api/v2/oauth/tokens/${agentTokenId}.json`, admin.accessToken, {
      method: "DELETE",
    });
    expect(byAdmin.status).toBe(204);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", agent.accessToken)).status).toBe(401);
  });
});

describe("tickets", () => {
  it("paginates with per_page and absolute next_page URLs", async () => {
    const { accessToken } = await connect(context.sim, { scope: "tickets:read" });
    const ids: number[] = [];
    let url: string | null = `${context.sim.instanceUrl("acme")}/api/v2/tickets.json?per_page=3`;
    const pages: Array<Record<string, unknown>> = [];
    while (url !== null) {
      const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(response.status).toBe(200);
      const page = (await response.json()) as Record<string, unknown>;
      pages.push(page);
      ids.push(...(page.tickets as Array<{ id: number }>).map((ticket) => ticket.id));
      url = page.next_page as string | null;
    }
    expect(pages).toHaveLength(3);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pages[0]).toMatchObject({
      count: 7,
      previous_page: null,
      next_page: `${context.sim.url}/acme/api/v2/tickets.json?page=2&per_page=3`,
    });
    expect(pages[2]).toMatchObject({
      next_page: null,
      previous_page: `${context.sim.url}/acme/api/v2/tickets.json?page=2&per_page=3`,
    });
    expect((pages[0]?.tickets as Array<Record<string, unknown>>)[0]).toMatchObject({
      id: 1,
      subject: "Printer on fire",
      status: "new",
      requester_id: ACME_END_USER_ID,
      url: `${context.sim.url}/acme/api/v2/tickets/1.json`,
    });
  });

  it("enforces scopes: read or tickets:read, else 403", async () => {
    for (const scope of ["read", "tickets:read"]) {
      const { accessToken } = await connect(context.sim, { scope });
      expect((await apiCall(context.sim, "/api/v2/tickets.json", accessToken)).status, scope).toBe(200);
    }
    for (const scope of ["users:read", "write", "tickets:write"]) {
      const { accessToken } = await connect(context.sim, { scope });
      const answer = await apiCall(context.sim, "/api/v2/tickets.json", accessToken);
      expect(answer, scope).toMatchObject({ status: 403, body: FORBIDDEN });
      // users/me stays readable whatever the scope.
      expect((await apiCall(context.sim, "/api/v2/users/me.json", accessToken)).status, scope).toBe(200);
    }
  });

  it("applies the user's role: an end-user cannot list tickets", async () => {
    const { accessToken } = await connect(context.sim, { scope: "read", userId: ACME_END_USER_ID });
    expect(await apiCall(context.sim, "/api/v2/tickets.json", accessToken)).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
  });

  it("refuses anonymous callers", async () => {
    expect((await apiCall(context.sim, "/api/v2/tickets.json", null)).status).toBe(401);
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After past the instance's requests per minute", async () => {
    const { accessToken } = await connect(context.sim);
    await context.sim.control.setOptions({ rate_limits: { acme: 3 } });
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i += 1) {
      const answer = await apiCall(context.sim, "/api/v2/users/me.json", accessToken);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("x-rate-limit")).toBe("3");
      remaining.push(answer.headers.get("x-rate-limit-remaining"));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const limited = await apiCall(context.sim, "/api/v2/users/me.json", accessToken);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
    expect(limited.headers.get("x-rate-limit-remaining")).toBe("0");

    // Other instances have their own budget.
    const client = await tokenRequest(
      context.sim,
      {
        grant_type: "client_credentials",
        client_id: "globex-connect",
        client_secret: "globex-local-secret",
        scope: "read",
      },
      { subdomain: "globex" },
    );
    expect(
      (await apiCall(context.sim, "/api/v2/users/me.json", String(client.body.access_token), { subdomain: "globex" }))
        .status,
    ).toBe(200);

    await context.sim.control.advanceClock(60);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", accessToken)).status).toBe(200);
  });

  it("does not count OAuth endpoints against the API limit", async () => {
    await context.sim.control.setOptions({ rate_limits: { acme: 1 } });
    const answer = await tokenRequest(context.sim, {
      grant_type: "client_credentials",
      client_id: ACME_LOCAL.id,
      client_secret: ACME_LOCAL.secret,
      scope: "read",
    });
    expect(answer.status).toBe(201);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", String(answer.body.access_token))).status).toBe(200);
  });
});

describe("unknown API paths", () => {
  it("answer Zendesk's InvalidEndpoint 404", async () => {
    const answer = await apiCall(context.sim, "/api/v2/nothing.json", null);
    expect(answer).toMatchObject({ status: 404, body: { error: "InvalidEndpoint" } });
  });
});
