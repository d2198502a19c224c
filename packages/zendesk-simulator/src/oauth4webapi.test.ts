/**
 * A standard OAuth client library (oauth4webapi) against the simulator: authorization code
 * + PKCE + refresh, with the consent page driven by plain fetch.
 */
import * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { ACME_PUBLIC, GLOBAL_CLIENT, REDIRECT_URI, authorize, setupSimulator } from "./test-support.js";
import type { ZendeskSimulator } from "./index.js";

const context = setupSimulator();

function authorizationServer(sim: ZendeskSimulator, subdomain: string): oauth.AuthorizationServer {
  const base = sim.instanceUrl(subdomain);
  return {
    issuer: base,
    authorization_endpoint: `${base}/oauth/authorizations/new`,
    token_endpoint: `${base}/oauth/tokens`,
  };
}

/**
 * oauth4webapi only accepts 200 from a token endpoint, while Zendesk documents 201: a client
 * built on it must map 201 to 200 (the app's client does the equivalent).
 */
const acceptCreated = async (url: string, init: RequestInit): Promise<Response> => {
  const response = await fetch(url, init);
  if (response.status !== 201) return response;
  return new Response(response.body, { status: 200, statusText: "OK", headers: response.headers });
};

const insecure = { [oauth.allowInsecureRequests]: true } as const;

async function signIn(
  sim: ZendeskSimulator,
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  scope: string,
): Promise<{ callback: URLSearchParams; verifier: string }> {
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const state = oauth.generateRandomState();
  const location = await authorize(sim, { clientId: client.client_id, scope, state, challenge });
  return { callback: oauth.validateAuthResponse(as, client, location, state), verifier };
}

describe("oauth4webapi", () => {
  it("completes authorization code + PKCE + refresh with a confidential global client (200 switch)", async () => {
    await context.sim.control.setOptions({ token_success_status: 200 });
    const as = authorizationServer(context.sim, "acme");
    const client: oauth.Client = { client_id: GLOBAL_CLIENT.id };
    const auth = oauth.ClientSecretPost(GLOBAL_CLIENT.secret);

    const { callback, verifier } = await signIn(context.sim, as, client, "read tickets:read");
    const codeResponse = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, REDIRECT_URI, verifier, {
      ...insecure,
      additionalParameters: { expires_in: "3600" },
    });
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, codeResponse);
    expect(tokens).toMatchObject({ token_type: "bearer", scope: "read tickets:read", expires_in: 3600 });
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const me = await oauth.protectedResourceRequest(
      tokens.access_token,
      "GET",
      new URL(`${context.sim.instanceUrl("acme")}/api/v2/users/me.json`),
      undefined,
      undefined,
      insecure,
    );
    expect(((await me.json()) as { user: { id: number } }).user.id).toBe(10001);

    const refreshResponse = await oauth.refreshTokenGrantRequest(as, client, auth, String(tokens.refresh_token), {
      ...insecure,
      additionalParameters: { expires_in: "3600" },
    });
    const refreshed = await oauth.processRefreshTokenResponse(as, client, refreshResponse);
    expect(refreshed.access_token).not.toBe(tokens.access_token);

    // Rotation: the previous refresh token is refused with a standard OAuth error.
    const reused = await oauth.refreshTokenGrantRequest(as, client, auth, String(tokens.refresh_token), insecure);
    const failure = await oauth.processRefreshTokenResponse(as, client, reused).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(oauth.ResponseBodyError);
    expect(failure).toMatchObject({ error: "invalid_grant", status: 400 });
  });

  it("rejects Zendesk's default 201 unless the client maps it to 200", async () => {
    const as = authorizationServer(context.sim, "acme");
    const client: oauth.Client = { client_id: GLOBAL_CLIENT.id };
    const auth = oauth.ClientSecretPost(GLOBAL_CLIENT.secret);

    const strict = await signIn(context.sim, as, client, "read");
    const created = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      strict.callback,
      REDIRECT_URI,
      strict.verifier,
      insecure,
    );
    expect(created.status).toBe(201);
    const failure = await oauth.processAuthorizationCodeResponse(as, client, created).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: oauth.RESPONSE_IS_NOT_CONFORM });

    const mapped = await signIn(context.sim, as, client, "read");
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      mapped.callback,
      REDIRECT_URI,
      mapped.verifier,
      {
        ...insecure,
        [oauth.customFetch]: acceptCreated,
      },
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    // No expires_in requested, so none reported: the client cannot know the 30-minute expiry.
    expect(tokens.expires_in).toBeUndefined();
  });

  it("completes the flow with a public client (no secret, PKCE only)", async () => {
    const as = authorizationServer(context.sim, "acme");
    const client: oauth.Client = { client_id: ACME_PUBLIC.id, token_endpoint_auth_method: "none" };
    const options = { ...insecure, [oauth.customFetch]: acceptCreated };

    const { callback, verifier } = await signIn(context.sim, as, client, "read");
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      callback,
      REDIRECT_URI,
      verifier,
      options,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), String(tokens.refresh_token), options),
    );
    expect(refreshed.scope).toBe("read");
  });

  it("surfaces the consent denial as an OAuth error", async () => {
    const as = authorizationServer(context.sim, "acme");
    const client: oauth.Client = { client_id: GLOBAL_CLIENT.id };
    const location = await authorize(context.sim, { state: "denied-state", decision: "deny" });
    const failure = (() => {
      try {
        return oauth.validateAuthResponse(as, client, location, "denied-state");
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(oauth.AuthorizationResponseError);
    expect(failure).toMatchObject({ error: "access_denied" });
  });
});
