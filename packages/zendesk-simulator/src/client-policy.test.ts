import { describe, expect, it } from "vitest";
import { SimulatorControlError } from "./control.js";
import { loadSeed } from "./seed.js";
import {
  ACME_LOCAL,
  GLOBAL_CLIENT,
  REDIRECT_URI,
  apiCall,
  authorizeUrl,
  connect,
  formAction,
  hiddenFields,
  obtainCode,
  pkcePair,
  refreshRequest,
  setupSimulator,
  tokenRequest,
} from "./test-support.js";
import type { Json } from "./test-support.js";

const context = setupSimulator();

const CURRENT = "/api/v2/oauth/tokens/current.json";

function restrictGlobal(allowed: string[] | null) {
  return context.sim.control.updateClient(GLOBAL_CLIENT.id, { allowed_scopes: allowed });
}

function clientCredentials(scope: string, extra: Record<string, string | number> = {}) {
  return tokenRequest(context.sim, {
    grant_type: "client_credentials",
    client_id: ACME_LOCAL.id,
    client_secret: ACME_LOCAL.secret,
    scope,
    ...extra,
  });
}

async function exchange(code: string, verifier: string, extra: Record<string, string | number> = {}) {
  return tokenRequest(context.sim, {
    grant_type: "authorization_code",
    code,
    client_id: GLOBAL_CLIENT.id,
    client_secret: GLOBAL_CLIENT.secret,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    ...extra,
  });
}

describe("allowed_scopes: authorize", () => {
  it("redirects back with invalid_scope naming the refused scopes, keeping state, before any consent", async () => {
    await restrictGlobal(["tickets:read"]);
    const response = await fetch(
      authorizeUrl(context.sim, { scope: "tickets:read users:read tickets:write", state: "s-42" }),
      { redirect: "manual" },
    );
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get("error")).toBe("invalid_scope");
    expect(location.searchParams.get("state")).toBe("s-42");
    expect(location.searchParams.get("code")).toBeNull();
    const description = location.searchParams.get("error_description") ?? "";
    expect(description).toContain('"users:read tickets:write"');
    expect(description).not.toContain('"tickets:read');
  });

  it("shows the consent page for allowed scopes and issues a token for them", async () => {
    await restrictGlobal(["tickets:read", "users:read"]);
    const { accessToken, body } = await connect(context.sim, { scope: "tickets:read users:read" });
    expect(body.scope).toBe("tickets:read users:read");
    expect((await apiCall(context.sim, "/api/v2/tickets.json", accessToken)).status).toBe(200);
  });

  it("checks again when the consent form is posted (the admin narrowed the list meanwhile)", async () => {
    const page = await fetch(authorizeUrl(context.sim, { scope: "read write", state: "st" }));
    const html = await page.text();
    expect(page.status).toBe(200);
    await restrictGlobal(["read"]);
    const answer = await fetch(new URL(formAction(html), context.sim.url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...hiddenFields(html), user_id: "10001", decision: "allow" }),
      redirect: "manual",
    });
    expect(answer.status).toBe(302);
    const location = new URL(answer.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBe("invalid_scope");
    expect(location.searchParams.get("error_description")).toContain('"write"');
    expect(location.searchParams.get("state")).toBe("st");
  });

  it("matches names exactly: read does not cover tickets:read; an empty list refuses everything", async () => {
    await restrictGlobal(["read"]);
    const location = await fetch(authorizeUrl(context.sim, { scope: "tickets:read" }), { redirect: "manual" });
    expect(new URL(location.headers.get("location") ?? "").searchParams.get("error")).toBe("invalid_scope");
    await restrictGlobal([]);
    const none = await fetch(authorizeUrl(context.sim, { scope: "read" }), { redirect: "manual" });
    expect(new URL(none.headers.get("location") ?? "").searchParams.get("error_description")).toContain('"read"');
    await restrictGlobal(null);
    expect((await fetch(authorizeUrl(context.sim, { scope: "read" }))).status).toBe(200);
  });

  it("refuses a code exchange whose scopes the admin disallowed after consent, without burning the code", async () => {
    const { verifier, challenge } = pkcePair();
    const code = await obtainCode(context.sim, { scope: "read write", challenge });
    await restrictGlobal(["read"]);
    const refused = await exchange(code, verifier);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: "invalid_scope", error_description: expect.stringContaining('"write"') });
    // Narrowing the request to the allowed scopes succeeds with the same code.
    const narrowed = await exchange(code, verifier, { scope: "read" });
    expect(narrowed).toMatchObject({ status: 201, body: { scope: "read" } });
  });
});

describe("allowed_scopes: token endpoint", () => {
  it("client_credentials asking for more: 400 invalid_scope naming the refused scopes", async () => {
    await context.sim.control.updateClient(ACME_LOCAL.id, { subdomain: "acme", allowed_scopes: ["tickets:read"] });
    const refused = await clientCredentials("tickets:read users:read");
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: "invalid_scope",
      error_description: expect.stringContaining('"users:read"'),
    });
    expect(await context.sim.control.tokens({ client_id: ACME_LOCAL.id })).toEqual([]);
    expect(await clientCredentials("tickets:read")).toMatchObject({ status: 201, body: { scope: "tickets:read" } });
  });

  it("refresh of a grant whose scopes are no longer all allowed: 400 invalid_scope, nothing rotates", async () => {
    const { accessToken, refreshToken } = await connect(context.sim, { scope: "tickets:read users:read" });
    await restrictGlobal(["tickets:read"]);
    const refused = await refreshRequest(context.sim, refreshToken);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: "invalid_scope",
      error_description: expect.stringContaining('"users:read"'),
    });
    expect(String(refused.body.error_description)).not.toContain("tickets:read");
    // Issued tokens keep working: only renewing is refused.
    expect((await apiCall(context.sim, "/api/v2/users/me.json", accessToken)).status).toBe(200);
    // A refresh that narrows to allowed scopes is fine; so is the old grant once the list is lifted.
    await restrictGlobal(null);
    const renewed = await refreshRequest(context.sim, refreshToken);
    expect(renewed).toMatchObject({ status: 201, body: { scope: "tickets:read users:read" } });
    await restrictGlobal(["tickets:read"]);
    const narrowed = await refreshRequest(context.sim, String(renewed.body.refresh_token), { scope: "tickets:read" });
    expect(narrowed).toMatchObject({ status: 201, body: { scope: "tickets:read" } });
  });
});

describe("allowed_scopes and non_expiring_tokens: seed and control API", () => {
  it("POST /__sim/clients takes both; PATCH /__sim/clients/{identifier} changes them", async () => {
    const created = await context.sim.control.addClient({
      subdomain: "globex",
      identifier: "globex-restricted",
      name: "Globex restricted",
      kind: "confidential",
      secret: "globex-restricted-secret",
      redirect_uris: [REDIRECT_URI],
      allowed_scopes: ["tickets:read"],
      non_expiring_tokens: true,
    });
    expect(created).toMatchObject({ allowed_scopes: ["tickets:read"], non_expiring_tokens: true });
    const changed = await context.sim.control.updateClient("globex-restricted", {
      allowed_scopes: null,
      non_expiring_tokens: false,
    });
    expect(changed).toMatchObject({
      identifier: "globex-restricted",
      subdomain: "globex",
      allowed_scopes: null,
      non_expiring_tokens: false,
    });
    const instance = (await context.sim.control.instances()).find((entry) => entry.subdomain === "acme");
    expect(instance?.clients.find((client) => client.identifier === ACME_LOCAL.id)).toMatchObject({
      allowed_scopes: null,
      non_expiring_tokens: false,
    });
    // Plain HTTP, as a non-TypeScript suite would call it.
    const raw = await fetch(`${context.sim.url}/__sim/clients/${GLOBAL_CLIENT.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ allowed_scopes: ["read"] }),
    });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as Json).client).toMatchObject({
      identifier: GLOBAL_CLIENT.id,
      allowed_scopes: ["read"],
    });
  });

  it("names the client unambiguously and validates the patch", async () => {
    await context.sim.control.addClient({
      subdomain: "globex",
      identifier: ACME_LOCAL.id,
      name: "Same identifier elsewhere",
      kind: "confidential",
      secret: "x",
      redirect_uris: [REDIRECT_URI],
    });
    const ambiguous = await context.sim.control
      .updateClient(ACME_LOCAL.id, { allowed_scopes: ["read"] })
      .catch((error: unknown) => error);
    expect(ambiguous).toBeInstanceOf(SimulatorControlError);
    expect(ambiguous).toMatchObject({ status: 409 });
    const globex = await context.sim.control.updateClient(ACME_LOCAL.id, {
      subdomain: "globex",
      allowed_scopes: ["read"],
    });
    expect(globex).toMatchObject({ subdomain: "globex", allowed_scopes: ["read"] });
    // acme's client of that name is untouched.
    expect(await clientCredentials("write")).toMatchObject({ status: 201 });
    await expect(context.sim.control.updateClient("nope", { allowed_scopes: null })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      context.sim.control.updateClient(GLOBAL_CLIENT.id, { subdomain: "nowhere", allowed_scopes: null }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(context.sim.control.updateClient(GLOBAL_CLIENT.id, {})).rejects.toMatchObject({
      status: 400,
      body: { error: "invalid_body" },
    });
    await expect(
      context.sim.control.updateClient(GLOBAL_CLIENT.id, { allowed_scopes: ["read write"] }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it("reads both from the seed; reset restores them", async () => {
    const seed = loadSeed();
    const [global] = seed.global_clients;
    if (global === undefined) throw new Error("no global client in the seed");
    await context.sim.control.reset({
      ...seed,
      global_clients: [{ ...global, allowed_scopes: ["tickets:read"], non_expiring_tokens: true }],
    });
    try {
      const refused = await fetch(authorizeUrl(context.sim, { scope: "read" }), { redirect: "manual" });
      expect(new URL(refused.headers.get("location") ?? "").searchParams.get("error")).toBe("invalid_scope");
      const { body } = await connectWithoutRefresh("tickets:read");
      expect(body).not.toHaveProperty("expires_in");
      await context.sim.control.updateClient(GLOBAL_CLIENT.id, { allowed_scopes: null });
      await context.sim.control.reset();
      const summary = (await context.sim.control.instances())[0]?.clients.find(
        (client) => client.identifier === GLOBAL_CLIENT.id,
      );
      expect(summary).toMatchObject({ allowed_scopes: ["tickets:read"], non_expiring_tokens: true });
    } finally {
      await context.sim.control.reset(loadSeed());
    }
  });
});

/** A consent + exchange that expects no refresh token (connect() requires one). */
async function connectWithoutRefresh(scope: string, extra: Record<string, string | number> = {}) {
  const { verifier, challenge } = pkcePair();
  const code = await obtainCode(context.sim, { scope, challenge });
  const answer = await exchange(code, verifier, extra);
  expect(answer.status).toBe(201);
  return { accessToken: String(answer.body.access_token), body: answer.body };
}

describe("non_expiring_tokens", () => {
  it("answers without expires_in or refresh_token, even when lifetimes are asked for; the token never expires", async () => {
    await context.sim.control.updateClient(GLOBAL_CLIENT.id, { non_expiring_tokens: true });
    const { accessToken, body } = await connectWithoutRefresh("read", {
      expires_in: 3600,
      refresh_token_expires_in: 1_209_600,
    });
    expect(Object.keys(body).sort()).toEqual(["access_token", "scope", "token_type"]);
    expect(body).toMatchObject({ token_type: "bearer", scope: "read" });
    await context.sim.control.advanceClock(400 * 24 * 3600);
    const current = await apiCall(context.sim, CURRENT, accessToken);
    expect(current.status).toBe(200);
    expect(current.body.token).toMatchObject({ expires_at: null, refresh_token_expires_at: null });
    const [summary] = await context.sim.control.tokens({ client_id: GLOBAL_CLIENT.id });
    expect(summary).toMatchObject({ has_refresh_token: false, expires_at: null, refresh_token_expires_at: null });
  });

  it("applies to client_credentials too", async () => {
    await context.sim.control.updateClient(ACME_LOCAL.id, { non_expiring_tokens: true });
    const answer = await clientCredentials("read", { expires_in: 600 });
    expect(answer.status).toBe(201);
    expect(answer.body).not.toHaveProperty("expires_in");
    await context.sim.control.advanceClock(7200);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", String(answer.body.access_token))).status).toBe(200);
  });

  it("a new consent after switching the client back gives expiring tokens (moving an old connection)", async () => {
    await context.sim.control.updateClient(GLOBAL_CLIENT.id, { non_expiring_tokens: true });
    const old = await connectWithoutRefresh("read");
    await context.sim.control.updateClient(GLOBAL_CLIENT.id, { non_expiring_tokens: false });
    const moved = await connect(context.sim, { scope: "read", extra: { expires_in: 3600 } });
    expect(moved.body).toMatchObject({ expires_in: 3600, refresh_token: expect.any(String) });
    // The old token is untouched by the switch.
    expect((await apiCall(context.sim, "/api/v2/users/me.json", old.accessToken)).status).toBe(200);
  });
});

describe("POST /__sim/tokens", () => {
  it("issues a never-expiring token without refresh token by default, with the full secret once", async () => {
    const issued = await context.sim.control.issueToken({
      subdomain: "acme",
      client_id: GLOBAL_CLIENT.id,
      scopes: ["tickets:read", "users:read"],
    });
    expect(issued.refresh_token).toBeNull();
    expect(issued.token).toMatchObject({
      subdomain: "acme",
      client_id: GLOBAL_CLIENT.id,
      user_id: 10001,
      scopes: ["tickets:read", "users:read"],
      has_refresh_token: false,
      expires_at: null,
      token: issued.access_token.slice(0, 10),
    });
    await context.sim.control.advanceClock(365 * 24 * 3600);
    const current = await apiCall(context.sim, CURRENT, issued.access_token);
    expect(current.body.token).toMatchObject({ id: issued.token.id, expires_at: null, client_id: 360000001 });
    // The control API is never logged: the full token does not reach the request log.
    expect(JSON.stringify(await context.sim.control.requestLog())).not.toContain(issued.access_token);
  });

  it("can issue an expiring, refreshable pair for a chosen user", async () => {
    const issued = await context.sim.control.issueToken({
      subdomain: "acme",
      client_id: GLOBAL_CLIENT.id,
      user_id: 10002,
      scopes: ["read"],
      expires_in: 600,
      refresh_token_expires_in: 1_209_600,
    });
    expect(issued.token).toMatchObject({ user_id: 10002, has_refresh_token: true });
    await context.sim.control.advanceClock(601);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", issued.access_token)).status).toBe(401);
    const renewed = await refreshRequest(context.sim, String(issued.refresh_token));
    expect(renewed).toMatchObject({ status: 201, body: { scope: "read" } });
  });

  it("refuses unknown instances, clients, users and bad bodies", async () => {
    const base = { subdomain: "acme", client_id: GLOBAL_CLIENT.id, scopes: ["read"] };
    await expect(context.sim.control.issueToken({ ...base, subdomain: "nowhere" })).rejects.toMatchObject({
      status: 404,
    });
    await expect(context.sim.control.issueToken({ ...base, client_id: "globex-connect" })).rejects.toMatchObject({
      status: 404,
    });
    await expect(context.sim.control.issueToken({ ...base, user_id: 20001 })).rejects.toMatchObject({ status: 404 });
    await expect(context.sim.control.issueToken({ ...base, scopes: [] })).rejects.toMatchObject({ status: 400 });
  });
});
