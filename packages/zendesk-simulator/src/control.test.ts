import { describe, expect, it } from "vitest";
import { SimulatorControlError } from "./control.js";
import {
  ACME_LOCAL,
  GLOBAL_CLIENT,
  REDIRECT_URI,
  apiCall,
  authorize,
  connect,
  obtainCode,
  pkcePair,
  refreshRequest,
  tokenRequest,
  setupSimulator,
} from "./test-support.js";

const context = setupSimulator();

function clientCredentials(subdomain = "acme") {
  return tokenRequest(
    context.sim,
    {
      grant_type: "client_credentials",
      client_id: GLOBAL_CLIENT.id,
      client_secret: GLOBAL_CLIENT.secret,
      scope: "read",
    },
    { subdomain },
  );
}

async function rawTokenPost(params: Record<string, string>): Promise<Response> {
  return fetch(`${context.sim.instanceUrl("acme")}/oauth/tokens`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
}

describe("faults", () => {
  it("status: answers the given status and body for the next K matching requests", async () => {
    await context.sim.control.injectFault({
      endpoint: "token",
      kind: "status",
      status: 503,
      body: "Service Unavailable",
      times: 2,
    });
    for (let i = 0; i < 2; i += 1) {
      const response = await rawTokenPost({ grant_type: "client_credentials" });
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toContain("text/plain");
      expect(await response.text()).toBe("Service Unavailable");
    }
    expect((await clientCredentials()).status).toBe(201);
    expect(await context.sim.control.faults()).toEqual([]);
  });

  it("status: sends JSON bodies and custom headers", async () => {
    const fault = await context.sim.control.injectFault({
      endpoint: "users_me",
      kind: "status",
      status: 500,
      body: { error: "InternalError" },
      headers: { "x-zendesk-request-id": "abc" },
    });
    expect(fault).toMatchObject({ id: expect.any(Number), remaining: 1, times: 1 });
    const answer = await apiCall(context.sim, "/api/v2/users/me.json", null);
    expect(answer).toMatchObject({ status: 500, body: { error: "InternalError" } });
    expect(answer.headers.get("x-zendesk-request-id")).toBe("abc");
  });

  it("matches by subdomain and grant type", async () => {
    await context.sim.control.injectFault({ endpoint: "token", kind: "status", status: 502, subdomain: "globex" });
    await context.sim.control.injectFault({
      endpoint: "token",
      kind: "status",
      status: 504,
      grant_type: "refresh_token",
    });
    expect((await clientCredentials("acme")).status).toBe(201);
    const { refreshToken } = await connect(context.sim);
    expect((await refreshRequest(context.sim, refreshToken)).status).toBe(504);
    // The refresh did not happen: the token still works.
    expect((await refreshRequest(context.sim, refreshToken)).status).toBe(201);
    expect((await clientCredentials("globex")).status).toBe(502);
  });

  it("delay: holds the answer, then answers normally", async () => {
    await context.sim.control.injectFault({ endpoint: "users_me", kind: "delay", delay_ms: 150 });
    const started = performance.now();
    const answer = await apiCall(context.sim, "/api/v2/users/me.json", null);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(answer.status).toBe(200);
  });

  it("malformed_json: a JSON content type with a broken body", async () => {
    await context.sim.control.injectFault({ endpoint: "token", kind: "malformed_json" });
    const response = await rawTokenPost({ grant_type: "client_credentials" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    await expect(response.json()).rejects.toThrow(SyntaxError);
  });

  it("plain_text_429: text body, with or without Retry-After", async () => {
    await context.sim.control.injectFault({ endpoint: "tickets", kind: "plain_text_429", retry_after: 7 });
    await context.sim.control.injectFault({ endpoint: "tickets", kind: "plain_text_429", retry_after: null });
    const first = await apiCall(context.sim, "/api/v2/tickets.json", null);
    expect(first.status).toBe(429);
    expect(first.headers.get("content-type")).toContain("text/plain");
    expect(first.headers.get("retry-after")).toBe("7");
    expect(first.text).toBe("Too Many Requests");
    const second = await apiCall(context.sim, "/api/v2/tickets.json", null);
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBeNull();
  });

  it("close: destroys the socket without performing the operation", async () => {
    const { verifier, challenge } = pkcePair();
    const code = await obtainCode(context.sim, { challenge });
    await context.sim.control.injectFault({ endpoint: "token", kind: "close" });
    const params = {
      grant_type: "authorization_code",
      code,
      client_id: GLOBAL_CLIENT.id,
      client_secret: GLOBAL_CLIENT.secret,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    };
    await expect(tokenRequest(context.sim, params)).rejects.toThrow();
    // Nothing was committed: the code still works.
    expect((await tokenRequest(context.sim, params)).status).toBe(201);
  });

  it("close_after_commit: the refresh rotates the tokens, but its answer never arrives", async () => {
    const first = await connect(context.sim);
    await context.sim.control.injectFault({
      endpoint: "token",
      kind: "close_after_commit",
      grant_type: "refresh_token",
    });
    await expect(refreshRequest(context.sim, first.refreshToken)).rejects.toThrow();

    expect(await refreshRequest(context.sim, first.refreshToken)).toMatchObject({
      status: 400,
      body: { error: "invalid_grant" },
    });
    expect((await apiCall(context.sim, "/api/v2/users/me.json", first.accessToken)).status).toBe(401);
    const tokens = await context.sim.control.tokens({ subdomain: "acme" });
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ grant_type: "refresh_token", client_id: GLOBAL_CLIENT.id });

    const log = await context.sim.control.requestLog();
    expect(log.entries.filter((entry) => entry.fault === "close_after_commit")).toMatchObject([
      { endpoint: "token", grant_type: "refresh_token", status: null },
    ]);
  });

  it("refuses faults that could never fire", async () => {
    await expect(
      context.sim.control.injectFault({ endpoint: "token", kind: "close", subdomain: "nope" }),
    ).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      context.sim.control.injectFault({ endpoint: "users_me", kind: "close", grant_type: "refresh_token" }),
    ).rejects.toBeInstanceOf(SimulatorControlError);
  });
});

describe("options", () => {
  it("adds fixed latency to every Zendesk endpoint, not to the control API", async () => {
    const options = await context.sim.control.setOptions({ latency_ms: 250 });
    expect(options).toMatchObject({
      latency_ms: 250,
      token_success_status: 201,
      revoke_on_delete_current: false,
      default_access_token_ttl: 1800,
      default_refresh_token_ttl: 2_592_000,
      omit_default_expires_in: true,
      rate_limits: { acme: 400, globex: 200, initech: 700 },
    });
    const started = performance.now();
    await apiCall(context.sim, "/api/v2/users/me.json", null);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);

    // With a 3 s latency, two control calls made one after the other, after a Zendesk request was
    // sent, are both answered while that request is still held: were they delayed too, the second
    // would come back 3 s after the Zendesk answer.
    await context.sim.control.clearLog();
    await context.sim.control.setOptions({ latency_ms: 3000 });
    let zendeskAnswered = false;
    const zendeskCall = apiCall(context.sim, "/api/v2/users/me.json", null).then(() => {
      zendeskAnswered = true;
    });
    await context.sim.control.clock();
    const log = await context.sim.control.requestLog();
    expect(zendeskAnswered).toBe(false);
    // The simulator logs a request as it answers it; control calls are never logged.
    expect(log.total).toBe(0);
    await zendeskCall;
    expect((await context.sim.control.requestLog()).counts.by_endpoint).toEqual({ users_me: 1 });
  });

  it("validates patches with a clear message", async () => {
    const failure = await context.sim.control
      .setOptions({ token_success_status: 202 as 200 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SimulatorControlError);
    expect(failure).toMatchObject({ status: 400, body: { error: "invalid_body" } });
    await expect(context.sim.control.setOptions({ rate_limits: { nowhere: 5 } })).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe("request log", () => {
  it("records every Zendesk request with endpoint, grant type and status, secrets masked", async () => {
    const first = await connect(context.sim);
    const rotated = await refreshRequest(context.sim, first.refreshToken);
    await apiCall(context.sim, "/api/v2/users/me.json", String(rotated.body.access_token));
    await apiCall(context.sim, "/api/v2/tickets.json?per_page=2", String(rotated.body.access_token));
    await fetch(`${context.sim.url}/nosuchco/oauth/tokens?client_secret=leaked-in-query`, { method: "POST" });

    const log = await context.sim.control.requestLog();
    expect(log.counts.by_endpoint).toEqual({ authorize: 2, token: 3, users_me: 1, tickets: 1 });
    expect(log.counts.by_grant_type).toEqual({ authorization_code: 1, refresh_token: 1 });
    expect(log.counts.by_status).toMatchObject({ "200": 3, "201": 2, "302": 1, "404": 1 });
    expect(log.total).toBe(7);

    const exchange = log.entries.find((entry) => entry.grant_type === "authorization_code");
    expect(exchange).toMatchObject({
      method: "POST",
      path: "/acme/oauth/tokens",
      subdomain: "acme",
      endpoint: "token",
      status: 201,
      auth: null,
      params: { client_id: GLOBAL_CLIENT.id, client_secret: "[masked]", code: "[masked]", code_verifier: "[masked]" },
    });
    expect(log.entries.find((entry) => entry.endpoint === "tickets")).toMatchObject({
      auth: "bearer",
      path: "/acme/api/v2/tickets.json?per_page=2",
    });
    expect(log.entries.at(-1)).toMatchObject({ subdomain: "nosuchco", endpoint: "token", status: 404 });

    const serialized = JSON.stringify(log);
    for (const secret of [
      GLOBAL_CLIENT.secret,
      "leaked-in-query",
      first.accessToken,
      first.refreshToken,
      String(rotated.body.access_token),
      String(rotated.body.refresh_token),
    ]) {
      expect(serialized).not.toContain(secret);
    }
  });

  it("never logs codes, even in the authorize redirect", async () => {
    const location = await authorize(context.sim);
    const code = location.searchParams.get("code") ?? "missing";
    expect(JSON.stringify(await context.sim.control.requestLog())).not.toContain(code);
  });

  it("records the Marketplace headers of every request, null when none was sent (OAuth endpoints too)", async () => {
    const marketplace = {
      "X-Zendesk-Marketplace-Name": "Zendesk Connect",
      "X-Zendesk-Marketplace-Organization-Id": "12345",
      "X-Zendesk-Marketplace-App-Id": "678",
    };
    const { accessToken } = await connect(context.sim, { scope: "read" });
    await apiCall(context.sim, "/api/v2/users/me.json", accessToken, { headers: marketplace });
    await apiCall(context.sim, "/api/v2/oauth/tokens/current.json", accessToken, { headers: marketplace });
    await apiCall(context.sim, "/api/v2/tickets.json", accessToken);
    await apiCall(context.sim, "/api/v2/users/me.json", accessToken, {
      headers: { "X-Zendesk-Marketplace-App-Id": "678" },
    });
    await tokenRequest(
      context.sim,
      { grant_type: "client_credentials", client_id: ACME_LOCAL.id, client_secret: ACME_LOCAL.secret, scope: "read" },
      { headers: marketplace },
    );
    await fetch(`${context.sim.url}/nosuchco/api/v2/users/me.json`, { headers: marketplace });

    const entries = (await context.sim.control.requestLog()).entries;
    const full = { name: "Zendesk Connect", organization_id: "12345", app_id: "678" };
    expect(entries.map((entry) => [entry.endpoint, entry.subdomain, entry.marketplace])).toEqual([
      ["authorize", "acme", null],
      ["authorize", "acme", null],
      ["token", "acme", null],
      ["users_me", "acme", full],
      ["tokens_current", "acme", full],
      ["tickets", "acme", null],
      ["users_me", "acme", { name: null, organization_id: null, app_id: "678" }],
      ["token", "acme", full],
      ["users_me", "nosuchco", full],
    ]);
  });

  it("clears", async () => {
    await apiCall(context.sim, "/api/v2/users/me.json", null);
    await context.sim.control.clearLog();
    expect(await context.sim.control.requestLog()).toMatchObject({
      entries: [],
      total: 0,
      counts: { by_endpoint: {} },
    });
  });
});

describe("admin operations", () => {
  it("revokes one token by id, all tokens of a client, or all tokens of an instance", async () => {
    const a = await connect(context.sim);
    const b = await connect(context.sim);
    const local = await tokenRequest(context.sim, {
      grant_type: "client_credentials",
      client_id: ACME_LOCAL.id,
      client_secret: ACME_LOCAL.secret,
      scope: "read",
    });
    const onGlobex = await clientCredentials("globex");

    const [first] = await context.sim.control.tokens({ subdomain: "acme", client_id: GLOBAL_CLIENT.id });
    expect(first?.token).toBe(a.accessToken.slice(0, 10));
    expect(await context.sim.control.revokeToken(first?.id ?? 0)).toBe(1);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", a.accessToken)).status).toBe(401);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", b.accessToken)).status).toBe(200);

    expect(await context.sim.control.revokeToken({ client_id: GLOBAL_CLIENT.id, subdomain: "acme" })).toBe(1);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", b.accessToken)).status).toBe(401);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", String(local.body.access_token))).status).toBe(200);

    expect(await context.sim.control.revokeToken({ subdomain: "acme" })).toBe(1);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", String(local.body.access_token))).status).toBe(401);
    const globexToken = String(onGlobex.body.access_token);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", globexToken, { subdomain: "globex" })).status).toBe(
      200,
    );

    await expect(context.sim.control.revokeToken(424242)).rejects.toMatchObject({ status: 404 });
    await expect(context.sim.control.revokeToken({})).rejects.toMatchObject({ status: 400 });
  });

  it("adds local and global clients", async () => {
    const local = await context.sim.control.addClient({
      subdomain: "globex",
      identifier: "globex-extra",
      name: "Globex Extra",
      kind: "confidential",
      secret: "extra-secret",
      redirect_uris: [REDIRECT_URI],
    });
    expect(local).toMatchObject({ identifier: "globex-extra", subdomain: "globex", id: expect.any(Number) });
    const answer = await tokenRequest(
      context.sim,
      { grant_type: "client_credentials", client_id: "globex-extra", client_secret: "extra-secret", scope: "read" },
      { subdomain: "globex" },
    );
    expect(answer.status).toBe(201);

    await context.sim.control.addClient({
      identifier: "zdg-second",
      name: "Second",
      kind: "public",
      redirect_uris: [REDIRECT_URI],
    });
    const page = await fetch(
      `${context.sim.instanceUrl("initech")}/oauth/authorizations/new?response_type=code&client_id=zdg-second&scope=read` +
        `&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_challenge=${pkcePair().challenge}&code_challenge_method=S256`,
    );
    expect(page.status).toBe(200);

    await expect(
      context.sim.control.addClient({
        identifier: "not-global",
        name: "x",
        kind: "public",
        redirect_uris: [REDIRECT_URI],
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      context.sim.control.addClient({
        subdomain: "acme",
        identifier: ACME_LOCAL.id,
        name: "dup",
        kind: "public",
        redirect_uris: [REDIRECT_URI],
      }),
    ).rejects.toMatchObject({ status: 409 });
  });

  it("adds an instance with default users", async () => {
    const instance = await context.sim.control.addInstance({ subdomain: "hooli", name: "Hooli" });
    expect(instance.users.map((user) => user.role)).toEqual(["admin", "agent", "end-user"]);
    expect(instance.rate_limit_per_minute).toBe(400);
    const { accessToken } = await connect(context.sim, { subdomain: "hooli", userId: instance.users[0]?.id ?? 0 });
    const me = await apiCall(context.sim, "/api/v2/users/me.json", accessToken, { subdomain: "hooli" });
    expect(me.body.user).toMatchObject({ role: "admin", name: "Hooli Admin" });
    await expect(context.sim.control.addInstance({ subdomain: "hooli", name: "Again" })).rejects.toMatchObject({
      status: 409,
    });
    await expect(context.sim.control.addInstance({ subdomain: "Bad.Name", name: "x" })).rejects.toMatchObject({
      status: 400,
    });
  });

  it("resets tokens, codes, clock, faults, switches, log and added instances", async () => {
    const { accessToken } = await connect(context.sim);
    const code = await obtainCode(context.sim);
    await context.sim.control.advanceClock(30);
    await context.sim.control.injectFault({ endpoint: "users_me", kind: "close", times: 5 });
    await context.sim.control.setOptions({ token_success_status: 200, rate_limits: { acme: 1 } });
    await context.sim.control.addInstance({ subdomain: "hooli", name: "Hooli" });

    await context.sim.control.reset();

    expect(await context.sim.control.tokens()).toEqual([]);
    expect((await context.sim.control.clock()).offset_seconds).toBe(0);
    expect(await context.sim.control.faults()).toEqual([]);
    expect(await context.sim.control.options()).toMatchObject({
      token_success_status: 201,
      rate_limits: { acme: 400 },
    });
    expect((await context.sim.control.requestLog()).total).toBe(0);
    expect((await context.sim.control.health()).instances).toEqual(["acme", "globex", "initech"]);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", accessToken)).status).toBe(401);
    const exchange = await tokenRequest(context.sim, {
      grant_type: "authorization_code",
      code,
      client_id: GLOBAL_CLIENT.id,
      client_secret: GLOBAL_CLIENT.secret,
      redirect_uri: REDIRECT_URI,
    });
    expect(exchange.body.error).toBe("invalid_grant");
  });

  it("reads and advances the clock", async () => {
    const before = await context.sim.control.clock();
    const after = await context.sim.control.advanceClock(3600);
    expect(after.offset_seconds).toBe(3600);
    expect(after.now_ms - before.now_ms).toBeGreaterThanOrEqual(3_600_000);
    expect(Date.parse(after.now)).toBe(after.now_ms);
    await expect(context.sim.control.advanceClock(-1)).rejects.toMatchObject({ status: 400 });
  });

  it("lists instances with their users and clients", async () => {
    const instances = await context.sim.control.instances();
    const acme = instances.find((instance) => instance.subdomain === "acme");
    expect(acme?.clients.map((client) => client.identifier).sort()).toEqual([
      "acme-local-app",
      "acme-public-app",
      GLOBAL_CLIENT.id,
    ]);
    expect(JSON.stringify(instances)).not.toContain(ACME_LOCAL.secret);
  });

  it("answers unknown control paths with a JSON 404", async () => {
    const response = await fetch(`${context.sim.url}/__sim/nothing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: "not_found" });
  });
});
