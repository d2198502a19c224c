import { describe, expect, it } from "vitest";
import {
  ACME_END_USER_ID,
  ACME_LOCAL,
  ACME_PUBLIC,
  GLOBAL_CLIENT,
  GLOBEX_LOCAL,
  OTHER_REDIRECT_URI,
  REDIRECT_URI,
  apiCall,
  authorize,
  authorizeUrl,
  connect,
  formAction,
  hiddenFields,
  obtainCode,
  pkcePair,
  refreshRequest,
  tokenRequest,
  setupSimulator,
} from "./test-support.js";

const context = setupSimulator();

function exchange(code: string, verifier: string, extra: Record<string, string | number> = {}, subdomain = "acme") {
  return tokenRequest(
    context.sim,
    {
      grant_type: "authorization_code",
      code,
      client_id: GLOBAL_CLIENT.id,
      client_secret: GLOBAL_CLIENT.secret,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      ...extra,
    },
    { subdomain },
  );
}

describe("authorization page", () => {
  it("shows a sign-in and consent page naming the client, the instance, the users and the scopes", async () => {
    const response = await fetch(authorizeUrl(context.sim, { scope: "read tickets:read made:up" }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain('<label for="user_id">Sign in as</label>');
    expect(html).toMatch(/<option value="10001" selected>Ada Admin \(admin\)/);
    expect(html.indexOf("Ada Admin")).toBeLessThan(html.indexOf("Alan Agent"));
    expect(html).toContain("Erin Enduser (end-user)");
    expect(html).toContain("Zendesk Connect (dev)");
    expect(html).toContain("Acme Inc.");
    expect(html).toContain("<code>tickets:read</code>");
    expect(html).toContain("<code>made:up</code>");
    expect(html).toMatch(/<button type="submit" name="decision" value="allow"[^>]*>Allow<\/button>/);
    expect(html).toMatch(/<button type="submit" name="decision" value="deny"[^>]*>Deny<\/button>/);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(formAction(html)).toBe("/acme/oauth/authorizations");
    expect(hiddenFields(html)).toEqual({
      response_type: "code",
      client_id: GLOBAL_CLIENT.id,
      redirect_uri: REDIRECT_URI,
      scope: "read tickets:read made:up",
      state: "state-123",
    });
  });

  it("escapes request parameters echoed into the page", async () => {
    const html = await (await fetch(authorizeUrl(context.sim, { state: '"><script>alert(1)</script>' }))).text();
    expect(html).not.toContain("<script>");
    expect(hiddenFields(html).state).toBe('"><script>alert(1)</script>');
  });

  it("Allow redirects with the code and state; Deny with access_denied and state", async () => {
    const allowed = await authorize(context.sim, { state: "s-1" });
    expect(`${allowed.origin}${allowed.pathname}`).toBe(REDIRECT_URI);
    expect(allowed.searchParams.get("code")).toMatch(/^[0-9a-f]{40}$/);
    expect(allowed.searchParams.get("state")).toBe("s-1");

    const denied = await authorize(context.sim, { state: "s-2", decision: "deny" });
    expect(denied.searchParams.get("error")).toBe("access_denied");
    expect(denied.searchParams.get("error_description")).toBeTruthy();
    expect(denied.searchParams.get("state")).toBe("s-2");
    expect(denied.searchParams.has("code")).toBe(false);
  });

  it("shows an error page and never redirects for a redirect_uri mismatch or an unknown client", async () => {
    const cases = [
      authorizeUrl(context.sim, { redirectUri: "http://localhost:3000/api/zendesk-connect/callback/zendesk/" }),
      authorizeUrl(context.sim, { redirectUri: "https://evil.example/callback" }),
      authorizeUrl(context.sim, { clientId: "no-such-client" }),
      // A local client only exists on its own instance.
      authorizeUrl(context.sim, { subdomain: "globex", clientId: ACME_LOCAL.id }),
    ];
    for (const url of cases) {
      const response = await fetch(url, { redirect: "manual" });
      expect(response.status, url).toBe(400);
      expect(response.headers.get("location"), url).toBeNull();
      const html = await response.text();
      expect(html).toContain("<h1>");
      expect(html).not.toContain("evil.example");
    }
  });

  it("re-validates the form on POST: a tampered redirect_uri gets the error page", async () => {
    const html = await (await fetch(authorizeUrl(context.sim))).text();
    const form = new URLSearchParams({
      ...hiddenFields(html),
      redirect_uri: "https://evil.example/steal",
      user_id: "10001",
      decision: "allow",
    });
    const response = await fetch(`${context.sim.url}/acme/oauth/authorizations`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
      redirect: "manual",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
  });

  it("sends request errors back to a verified redirect_uri", async () => {
    const noScope = new URL(authorizeUrl(context.sim));
    noScope.searchParams.delete("scope");
    const noScopeAnswer = await fetch(noScope, { redirect: "manual" });
    expect(noScopeAnswer.status).toBe(302);
    const location = new URL(noScopeAnswer.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBe("invalid_scope");
    expect(location.searchParams.get("state")).toBe("state-123");

    const token = new URL(authorizeUrl(context.sim));
    token.searchParams.set("response_type", "token");
    const tokenAnswer = await fetch(token, { redirect: "manual" });
    expect(new URL(tokenAnswer.headers.get("location") ?? "").searchParams.get("error")).toBe(
      "unsupported_response_type",
    );
  });

  it("requires PKCE for public clients and accepts only S256", async () => {
    const noPkce = await fetch(authorizeUrl(context.sim, { clientId: ACME_PUBLIC.id }), { redirect: "manual" });
    expect(noPkce.status).toBe(302);
    expect(new URL(noPkce.headers.get("location") ?? "").searchParams.get("error")).toBe("invalid_request");

    const plain = new URL(authorizeUrl(context.sim, { challenge: pkcePair().challenge }));
    plain.searchParams.set("code_challenge_method", "plain");
    const plainAnswer = await fetch(plain, { redirect: "manual" });
    expect(new URL(plainAnswer.headers.get("location") ?? "").searchParams.get("error")).toBe("invalid_request");

    const withPkce = await fetch(
      authorizeUrl(context.sim, { clientId: ACME_PUBLIC.id, challenge: pkcePair().challenge }),
    );
    expect(withPkce.status).toBe(200);
  });
});

describe("unknown subdomain", () => {
  it("answers like a missing Zendesk account, with an HTML 404, on every path", async () => {
    for (const [method, path] of [
      ["GET", "/oauth/authorizations/new?client_id=x"],
      ["POST", "/oauth/tokens"],
      ["GET", "/api/v2/users/me.json"],
      ["GET", "/"],
    ] as const) {
      const response = await fetch(`${context.sim.url}/nosuchco${path}`, { method, redirect: "manual" });
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type"), path).toContain("text/html");
      expect(await response.text(), path).toContain("This help center no longer exists");
    }
  });
});

describe("token endpoint: authorization_code", () => {
  it("issues tokens for JSON and for form bodies, with status 201 by default", async () => {
    for (const format of ["form", "json"] as const) {
      const { verifier, challenge } = pkcePair();
      const code = await obtainCode(context.sim, { challenge, scope: "read" });
      const answer = await tokenRequest(
        context.sim,
        {
          grant_type: "authorization_code",
          code,
          client_id: GLOBAL_CLIENT.id,
          client_secret: GLOBAL_CLIENT.secret,
          redirect_uri: REDIRECT_URI,
          code_verifier: verifier,
          expires_in: 3600,
        },
        { format },
      );
      expect(answer.status, format).toBe(201);
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(answer.body).toEqual({
        access_token: expect.stringMatching(/^[0-9a-f]{64}$/),
        token_type: "bearer",
        scope: "read",
        refresh_token: expect.stringMatching(/^[0-9a-f]{64}$/),
        expires_in: 3600,
      });
    }
  });

  it("answers 200 instead of 201 when switched", async () => {
    await context.sim.control.setOptions({ token_success_status: 200 });
    const { verifier, challenge } = pkcePair();
    const answer = await exchange(await obtainCode(context.sim, { challenge }), verifier);
    expect(answer.status).toBe(200);
    expect(answer.body.access_token).toEqual(expect.any(String));
    const refreshed = await refreshRequest(context.sim, String(answer.body.refresh_token));
    expect(refreshed.status).toBe(200);
  });

  it("omits expires_in when the request did, yet the token expires after Zendesk's default 30 minutes", async () => {
    const { accessToken, body } = await connect(context.sim);
    expect(body).not.toHaveProperty("expires_in");
    expect(body).not.toHaveProperty("refresh_token_expires_in");

    const current = await apiCall(context.sim, "/api/v2/oauth/tokens/current.json", accessToken);
    const token = current.body.token as Record<string, string>;
    const lifetime = Date.parse(token.expires_at ?? "") - Date.parse(token.created_at ?? "");
    expect(lifetime).toBe(1800 * 1000);
    expect(Date.parse(token.refresh_token_expires_at ?? "") - Date.parse(token.created_at ?? "")).toBe(
      30 * 86_400 * 1000,
    );

    await context.sim.control.advanceClock(1799);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", accessToken)).status).toBe(200);
    await context.sim.control.advanceClock(2);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", accessToken)).status).toBe(401);
  });

  it("reports requested lifetimes, and the defaults when omit_default_expires_in is off", async () => {
    const asked = await connect(context.sim, { extra: { expires_in: 600, refresh_token_expires_in: 604_800 } });
    expect(asked.body).toMatchObject({ expires_in: 600, refresh_token_expires_in: 604_800 });

    await context.sim.control.setOptions({ omit_default_expires_in: false, default_access_token_ttl: 7200 });
    const defaults = await connect(context.sim);
    expect(defaults.body).toMatchObject({ expires_in: 7200, refresh_token_expires_in: 2_592_000 });
  });

  it("issues non-expiring access tokens when the default lifetime is switched off", async () => {
    await context.sim.control.setOptions({ default_access_token_ttl: null });
    const { accessToken } = await connect(context.sim);
    const current = await apiCall(context.sim, "/api/v2/oauth/tokens/current.json", accessToken);
    expect((current.body.token as Record<string, unknown>).expires_at).toBeNull();
  });

  it("rejects lifetimes outside Zendesk's bounds with invalid_request", async () => {
    const cases: Array<Record<string, number | string>> = [
      { expires_in: 299 },
      { expires_in: 172_801 },
      { expires_in: "soon" },
      { refresh_token_expires_in: 604_799 },
      { refresh_token_expires_in: 7_776_001 },
    ];
    for (const extra of cases) {
      const { verifier, challenge } = pkcePair();
      const code = await obtainCode(context.sim, { challenge });
      const answer = await exchange(code, verifier, extra);
      expect(answer.status, JSON.stringify(extra)).toBe(400);
      expect(answer.body.error).toBe("invalid_request");
    }
    // expires_in must stay below refresh_token_expires_in (reachable when the refresh default is lowered).
    await context.sim.control.setOptions({ default_refresh_token_ttl: 600 });
    const { verifier, challenge } = pkcePair();
    const answer = await exchange(await obtainCode(context.sim, { challenge }), verifier, { expires_in: 900 });
    expect(answer.body.error).toBe("invalid_request");
  });

  it("makes codes single-use", async () => {
    const { verifier, challenge } = pkcePair();
    const code = await obtainCode(context.sim, { challenge });
    expect((await exchange(code, verifier)).status).toBe(201);
    const again = await exchange(code, verifier);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe("invalid_grant");
  });

  it("expires codes after 120 seconds of simulator time", async () => {
    const fresh = pkcePair();
    const kept = await obtainCode(context.sim, { challenge: fresh.challenge });
    await context.sim.control.advanceClock(119);
    expect((await exchange(kept, fresh.verifier)).status).toBe(201);

    const late = pkcePair();
    const expired = await obtainCode(context.sim, { challenge: late.challenge });
    await context.sim.control.advanceClock(121);
    const answer = await exchange(expired, late.verifier);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("invalid_grant");
  });

  it("binds codes to the redirect_uri, the client, the instance and the PKCE challenge", async () => {
    const { verifier, challenge } = pkcePair();
    const code = await obtainCode(context.sim, { challenge });
    expect((await exchange(code, verifier, { redirect_uri: OTHER_REDIRECT_URI })).body.error).toBe("invalid_grant");
    expect((await exchange(code, verifier, {}, "globex")).body.error).toBe("invalid_grant");
    expect((await exchange(code, pkcePair().verifier)).body.error).toBe("invalid_grant");
    const missingVerifier = await tokenRequest(context.sim, {
      grant_type: "authorization_code",
      code,
      client_id: GLOBAL_CLIENT.id,
      client_secret: GLOBAL_CLIENT.secret,
      redirect_uri: REDIRECT_URI,
    });
    expect(missingVerifier.body.error).toBe("invalid_request");
    const otherClient = await exchange(code, verifier, { client_id: ACME_LOCAL.id, client_secret: ACME_LOCAL.secret });
    expect(otherClient.body.error).toBe("invalid_grant");
    // Failed attempts leave the code usable by its rightful exchange.
    expect((await exchange(code, verifier)).status).toBe(201);
  });

  it("refuses a verifier when the authorization request had no challenge", async () => {
    const code = await obtainCode(context.sim);
    expect((await exchange(code, pkcePair().verifier)).body.error).toBe("invalid_grant");
  });

  it("authenticates confidential clients with the secret in the body only", async () => {
    const { verifier, challenge } = pkcePair();
    const code = await obtainCode(context.sim, { challenge });
    const wrong = await exchange(code, verifier, { client_secret: "nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: "invalid_client", error_description: expect.any(String) });

    const basic = await tokenRequest(
      context.sim,
      {
        grant_type: "authorization_code",
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
        client_id: GLOBAL_CLIENT.id,
      },
      {
        headers: {
          authorization: `Basic ${Buffer.from(`${GLOBAL_CLIENT.id}:${GLOBAL_CLIENT.secret}`).toString("base64")}`,
        },
      },
    );
    expect(basic.status).toBe(401);
    expect(basic.body.error).toBe("invalid_client");

    const unknown = await exchange(code, verifier, { client_id: "who-is-this" });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe("invalid_client");
  });

  it("lets a public client exchange without a secret, PKCE bound", async () => {
    const { verifier, challenge } = pkcePair();
    const code = await obtainCode(context.sim, { clientId: ACME_PUBLIC.id, challenge });
    const answer = await tokenRequest(context.sim, {
      grant_type: "authorization_code",
      code,
      client_id: ACME_PUBLIC.id,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    expect(answer.status).toBe(201);
    expect(answer.body.refresh_token).toEqual(expect.any(String));
  });

  it("accepts each instance's local client on its own instance only", async () => {
    const { verifier, challenge } = pkcePair();
    const code = await obtainCode(context.sim, {
      subdomain: "globex",
      clientId: GLOBEX_LOCAL.id,
      challenge,
      userId: 20001,
    });
    const answer = await tokenRequest(
      context.sim,
      {
        grant_type: "authorization_code",
        code,
        client_id: GLOBEX_LOCAL.id,
        client_secret: GLOBEX_LOCAL.secret,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      },
      { subdomain: "globex" },
    );
    expect(answer.status).toBe(201);
    const onAcme = await tokenRequest(context.sim, {
      grant_type: "client_credentials",
      client_id: GLOBEX_LOCAL.id,
      client_secret: GLOBEX_LOCAL.secret,
      scope: "read",
    });
    expect(onAcme.body.error).toBe("invalid_client");
  });

  it("issues tokens for unknown scope names, which then fail every API call", async () => {
    const { accessToken, body } = await connect(context.sim, { scope: "frobnicate:read" });
    expect(body.scope).toBe("frobnicate:read");
    expect((await apiCall(context.sim, "/api/v2/tickets.json", accessToken)).status).toBe(403);
  });

  it("rejects unknown and missing grant types", async () => {
    const password = await tokenRequest(context.sim, { grant_type: "password", client_id: GLOBAL_CLIENT.id });
    expect(password).toMatchObject({ status: 400, body: { error: "unsupported_grant_type" } });
    const none = await tokenRequest(context.sim, { client_id: GLOBAL_CLIENT.id });
    expect(none).toMatchObject({ status: 400, body: { error: "invalid_request" } });
  });

  it("answers invalid_request for an unparseable body", async () => {
    const response = await fetch(`${context.sim.instanceUrl("acme")}/oauth/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_request" });
  });
});

describe("token endpoint: refresh_token", () => {
  it("rotates: the old refresh token and the old access token stop working at once", async () => {
    const first = await connect(context.sim);
    const rotated = await refreshRequest(context.sim, first.refreshToken, { expires_in: 900 });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ token_type: "bearer", scope: "read write", expires_in: 900 });
    expect(rotated.body.access_token).not.toBe(first.accessToken);
    expect(rotated.body.refresh_token).not.toBe(first.refreshToken);

    const reused = await refreshRequest(context.sim, first.refreshToken);
    expect(reused).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect((await apiCall(context.sim, "/api/v2/users/me.json", first.accessToken)).status).toBe(401);
    expect((await apiCall(context.sim, "/api/v2/users/me.json", String(rotated.body.access_token))).status).toBe(200);
  });

  it("lets only one of two racing refreshes win", async () => {
    const { refreshToken } = await connect(context.sim);
    const answers = await Promise.all([
      refreshRequest(context.sim, refreshToken),
      refreshRequest(context.sim, refreshToken),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 400]);
    expect(answers.find((answer) => answer.status === 400)?.body.error).toBe("invalid_grant");
  });

  it("may narrow the scopes but never widen them", async () => {
    const { refreshToken } = await connect(context.sim, { scope: "read write" });
    const narrowed = await refreshRequest(context.sim, refreshToken, { scope: "read" });
    expect(narrowed.body.scope).toBe("read");
    const widened = await refreshRequest(context.sim, String(narrowed.body.refresh_token), { scope: "read write" });
    expect(widened).toMatchObject({ status: 400, body: { error: "invalid_scope" } });
  });

  it("refuses expired refresh tokens and refresh tokens of another client", async () => {
    const { refreshToken } = await connect(context.sim, { extra: { refresh_token_expires_in: 604_800 } });
    const otherClient = await tokenRequest(context.sim, {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: ACME_LOCAL.id,
      client_secret: ACME_LOCAL.secret,
    });
    expect(otherClient.body.error).toBe("invalid_grant");
    await context.sim.control.advanceClock(604_801);
    expect((await refreshRequest(context.sim, refreshToken)).body.error).toBe("invalid_grant");
  });
});

describe("token endpoint: client_credentials", () => {
  it("issues an access token without refresh token to a confidential client, acting as the first admin", async () => {
    const answer = await tokenRequest(context.sim, {
      grant_type: "client_credentials",
      client_id: ACME_LOCAL.id,
      client_secret: ACME_LOCAL.secret,
      scope: "read",
      expires_in: 600,
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      access_token: expect.any(String),
      token_type: "bearer",
      scope: "read",
      expires_in: 600,
    });
    const me = await apiCall(context.sim, "/api/v2/users/me.json", String(answer.body.access_token));
    expect((me.body.user as Record<string, unknown>).role).toBe("admin");
  });

  it("refuses public clients", async () => {
    const answer = await tokenRequest(context.sim, {
      grant_type: "client_credentials",
      client_id: ACME_PUBLIC.id,
      scope: "read",
    });
    expect(answer).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });
});

describe("end-user consent", () => {
  it("issues tokens for whichever seeded user signs in", async () => {
    const { accessToken } = await connect(context.sim, { userId: ACME_END_USER_ID });
    const me = await apiCall(context.sim, "/api/v2/users/me.json", accessToken);
    expect(me.body.user).toMatchObject({ id: ACME_END_USER_ID, role: "end-user" });
  });
});
