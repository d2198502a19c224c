import { createHash, timingSafeEqual } from "node:crypto";
import { renderConsentPage, renderErrorPage } from "./consent-page.js";
import { htmlResponse, jsonResponse, redirectResponse } from "./http.js";
import { formatScope, isSubset, parseScope, refusedScopes } from "./scopes.js";
import { CODE_TTL_MS } from "./store.js";
import type { ZendeskRequest } from "./context.js";
import type { Params, SimResponse } from "./http.js";
import type { Client, GrantType, Instance, OAuthToken, ZendeskStore } from "./store.js";

// Zendesk's OAuth server answers with Doorkeeper's standard descriptions.
const DESCRIPTIONS = {
  invalid_request:
    "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.",
  invalid_client:
    "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
  invalid_grant:
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
  unsupported_grant_type: "The authorization grant type is not supported by the authorization server.",
  invalid_scope: "The requested scope is invalid, unknown, or malformed.",
  unsupported_response_type: "The authorization server does not support this response type.",
  access_denied: "The resource owner or authorization server denied the request.",
  invalid_redirect_uri: "The requested redirect uri is malformed or doesn't match client redirect URI.",
} as const;

type OAuthErrorCode = keyof typeof DESCRIPTIONS;

const ACCESS_TTL_BOUNDS = { min: 300, max: 172_800 } as const;
const REFRESH_TTL_BOUNDS = { min: 604_800, max: 7_776_000 } as const;
const GRANT_TYPES: readonly string[] = ["authorization_code", "refresh_token", "client_credentials"];
/** RFC 7636: a verifier is 43-128 unreserved characters; an S256 challenge is 43 base64url characters. */
const VERIFIER_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;
const S256_CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

function oauthError(error: OAuthErrorCode, detail?: string): SimResponse {
  const status = error === "invalid_client" ? 401 : 400;
  const description = detail === undefined ? DESCRIPTIONS[error] : `${DESCRIPTIONS[error]} ${detail}`;
  return jsonResponse(status, { error, error_description: description }, NO_STORE);
}

/**
 * The allowlist's refusal, or null. The description names the refused scopes in one quoted,
 * space-separated list, so a client can tell its user exactly which scopes to drop.
 */
function allowlistRefusal(client: Client, scopes: readonly string[]): string | null {
  const refused = refusedScopes(scopes, client.allowedScopes);
  if (refused.length === 0) return null;
  return `This OAuth client may not request "${formatScope(refused)}": its scopes are restricted by the Zendesk admin.`;
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

function safeEqual(a: string, b: string): boolean {
  // Hash first so lengths match and the comparison time does not leak the secret's length.
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

// ---- authorization request -----------------------------------------------------------

interface ValidAuthorization {
  client: Client;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  codeChallenge: string | null;
  /** The request parameters to carry through the consent form. */
  hidden: Params;
}

type AuthorizationCheck = { ok: true; request: ValidAuthorization } | { ok: false; response: SimResponse };

const AUTHORIZATION_PARAMS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
] as const;

function errorPage(status: number, title: string, error: OAuthErrorCode, detail: string): SimResponse {
  return htmlResponse(status, renderErrorPage(title, error, detail));
}

function errorRedirect(
  redirectUri: string,
  error: OAuthErrorCode,
  description: string,
  state: string | undefined,
): SimResponse {
  const location = new URL(redirectUri);
  location.searchParams.set("error", error);
  location.searchParams.set("error_description", description);
  if (present(state)) location.searchParams.set("state", state);
  return redirectResponse(location.toString());
}

/**
 * Validates an authorization request (on GET, and again on the consent POST, whose hidden
 * fields a browser could alter). Until the client and redirect_uri are known to match, errors
 * are shown as a page and never redirected: an unverified redirect_uri is an open redirect.
 */
function checkAuthorization(instance: Instance, store: ZendeskStore, params: Params): AuthorizationCheck {
  const clientId = params.client_id;
  const client = present(clientId) ? store.findClient(instance.subdomain, clientId) : undefined;
  if (client === undefined) {
    const detail = present(clientId)
      ? `No OAuth client "${clientId}" exists on ${instance.subdomain} (a local client only works on its own instance).`
      : "Missing required parameter: client_id.";
    return { ok: false, response: errorPage(400, "Invalid OAuth client", "invalid_client", detail) };
  }
  const redirectUri = params.redirect_uri;
  if (!present(redirectUri)) {
    return {
      ok: false,
      response: errorPage(400, "Invalid redirect URL", "invalid_request", "Missing required parameter: redirect_uri."),
    };
  }
  if (!client.redirectUris.includes(redirectUri)) {
    return {
      ok: false,
      response: errorPage(
        400,
        "Invalid redirect URL",
        "invalid_redirect_uri",
        `${DESCRIPTIONS.invalid_redirect_uri} It must exactly equal one of the client's registered Redirect URLs.`,
      ),
    };
  }

  // From here the redirect_uri is trusted: errors go back to the client, as RFC 6749 says.
  const state = params.state;
  const fail = (error: OAuthErrorCode, description: string): AuthorizationCheck => ({
    ok: false,
    response: errorRedirect(redirectUri, error, description, state),
  });
  if (!present(params.response_type)) return fail("invalid_request", "Missing required parameter: response_type.");
  if (params.response_type !== "code") return fail("unsupported_response_type", DESCRIPTIONS.unsupported_response_type);
  // Unknown scope names are accepted, as Zendesk does; only an empty scope is refused.
  const scopes = parseScope(params.scope);
  if (scopes.length === 0) return fail("invalid_scope", "Missing required parameter: scope.");
  const refusal = allowlistRefusal(client, scopes);
  if (refusal !== null) return fail("invalid_scope", `${DESCRIPTIONS.invalid_scope} ${refusal}`);

  const challenge = params.code_challenge;
  if (present(challenge)) {
    if (params.code_challenge_method !== "S256") {
      return fail("invalid_request", "Only code_challenge_method=S256 is supported.");
    }
    if (!S256_CHALLENGE_PATTERN.test(challenge)) {
      return fail("invalid_request", "code_challenge must be the base64url SHA-256 of the code_verifier.");
    }
  } else if (client.kind === "public") {
    return fail("invalid_request", "Code challenge is required: public clients must use PKCE.");
  }

  const hidden: Params = {};
  for (const name of AUTHORIZATION_PARAMS) {
    const value = params[name];
    if (present(value)) hidden[name] = value;
  }
  return {
    ok: true,
    request: {
      client,
      redirectUri,
      scopes,
      state: present(state) ? state : null,
      codeChallenge: present(challenge) ? challenge : null,
      hidden,
    },
  };
}

/** `GET /{sub}/oauth/authorizations/new`: the sign-in and consent page. */
export function showAuthorization(req: ZendeskRequest): SimResponse {
  const check = checkAuthorization(req.instance, req.state.store, Object.fromEntries(req.url.searchParams));
  if (!check.ok) return check.response;
  const { client, scopes, hidden } = check.request;
  return htmlResponse(
    200,
    renderConsentPage({
      instance: req.instance,
      client,
      scopes,
      hidden,
      formAction: `/${req.instance.subdomain}/oauth/authorizations`,
    }),
    { "cache-control": "no-store" },
  );
}

/** `POST /{sub}/oauth/authorizations`: the consent form's Allow / Deny. */
export function decideAuthorization(req: ZendeskRequest): SimResponse {
  if (!req.body.ok) return errorPage(400, "Invalid request", "invalid_request", req.body.reason);
  const params = req.body.params;
  const check = checkAuthorization(req.instance, req.state.store, params);
  if (!check.ok) return check.response;
  const { client, redirectUri, scopes, state, codeChallenge } = check.request;

  const user = req.instance.users.find((candidate) => String(candidate.id) === params.user_id);
  if (user === undefined) {
    return errorPage(
      400,
      "Sign-in failed",
      "invalid_request",
      `No user ${params.user_id ?? "(none)"} on ${req.instance.subdomain}.`,
    );
  }
  const location = new URL(redirectUri);
  if (params.decision === "deny") {
    location.searchParams.set("error", "access_denied");
    location.searchParams.set("error_description", DESCRIPTIONS.access_denied);
  } else if (params.decision === "allow") {
    const code = req.state.store.issueCode({
      subdomain: req.instance.subdomain,
      clientIdentifier: client.identifier,
      userId: user.id,
      redirectUri,
      scopes,
      codeChallenge,
      expiresAt: req.state.clock.now() + CODE_TTL_MS,
    });
    location.searchParams.set("code", code.code);
  } else {
    return errorPage(400, "Invalid request", "invalid_request", 'decision must be "allow" or "deny".');
  }
  if (state !== null) location.searchParams.set("state", state);
  return redirectResponse(location.toString());
}

// ---- token endpoint ------------------------------------------------------------------

/** Lifetimes the request asked for (null: not sent, Zendesk's default applies). */
interface RequestedLifetimes {
  access: number | null;
  refresh: number | null;
}

type Check<T> = { ok: true; value: T } | { ok: false; response: SimResponse };

function parseSeconds(
  params: Params,
  name: string,
  bounds: { min: number; max: number },
  label: string,
): Check<number | null> {
  const raw = params[name];
  if (!present(raw)) return { ok: true, value: null };
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    return {
      ok: false,
      response: oauthError(
        "invalid_request",
        `${name} must be an integer from ${bounds.min} to ${bounds.max} seconds (${label}).`,
      ),
    };
  }
  return { ok: true, value };
}

function parseLifetimes(params: Params, req: ZendeskRequest): Check<RequestedLifetimes> {
  const access = parseSeconds(params, "expires_in", ACCESS_TTL_BOUNDS, "5 minutes to 2 days");
  if (!access.ok) return access;
  const refresh = parseSeconds(params, "refresh_token_expires_in", REFRESH_TTL_BOUNDS, "7 to 90 days");
  if (!refresh.ok) return refresh;
  const effectiveAccess = access.value ?? req.state.switches.default_access_token_ttl;
  const effectiveRefresh = refresh.value ?? req.state.switches.default_refresh_token_ttl;
  if (
    (access.value !== null || refresh.value !== null) &&
    effectiveAccess !== null &&
    effectiveRefresh !== null &&
    effectiveAccess >= effectiveRefresh
  ) {
    return {
      ok: false,
      response: oauthError("invalid_request", "expires_in must be less than refresh_token_expires_in."),
    };
  }
  return { ok: true, value: { access: access.value, refresh: refresh.value } };
}

/**
 * Client authentication reads the body only: Zendesk documents `client_id` and
 * `client_secret` parameters, not HTTP Basic, so a Basic header alone fails.
 */
function authenticateClient(req: ZendeskRequest, params: Params): Check<Client> {
  const basicHint = req.authorization?.trim().toLowerCase().startsWith("basic ")
    ? " HTTP Basic authentication is not supported: send client_id and client_secret in the body."
    : undefined;
  const clientId = params.client_id;
  const client = present(clientId) ? req.state.store.findClient(req.instance.subdomain, clientId) : undefined;
  if (client === undefined) return { ok: false, response: oauthError("invalid_client", basicHint) };
  if (client.kind === "confidential") {
    const secret = params.client_secret;
    if (!present(secret) || client.secret === null || !safeEqual(secret, client.secret)) {
      return { ok: false, response: oauthError("invalid_client", basicHint) };
    }
  }
  return { ok: true, value: client };
}

function narrowScopes(params: Params, granted: string[]): Check<string[]> {
  const requested = parseScope(params.scope);
  if (requested.length === 0) return { ok: true, value: granted };
  if (!isSubset(requested, granted)) {
    return {
      ok: false,
      response: oauthError("invalid_scope", `The scope can only be narrowed: granted "${formatScope(granted)}".`),
    };
  }
  return { ok: true, value: requested };
}

function issue(
  req: ZendeskRequest,
  fields: { client: Client; userId: number; scopes: string[]; grantType: GrantType; withRefreshToken: boolean },
  lifetimes: RequestedLifetimes,
): SimResponse {
  const { switches, clock, store } = req.state;
  const now = clock.now();
  // A client switched to never-expiring tokens ignores the requested lifetimes, as Zendesk did before 2026.
  const neverExpires = fields.client.nonExpiringTokens;
  const withRefreshToken = fields.withRefreshToken && !neverExpires;
  const accessTtl = neverExpires ? null : (lifetimes.access ?? switches.default_access_token_ttl);
  const refreshTtl = withRefreshToken ? (lifetimes.refresh ?? switches.default_refresh_token_ttl) : null;
  const token: OAuthToken = store.issueToken({
    subdomain: req.instance.subdomain,
    clientIdentifier: fields.client.identifier,
    clientNumericId: fields.client.id,
    userId: fields.userId,
    grantType: fields.grantType,
    scopes: fields.scopes,
    createdAt: now,
    expiresAt: accessTtl === null ? null : now + accessTtl * 1000,
    refreshTokenExpiresAt: refreshTtl === null ? null : now + refreshTtl * 1000,
    withRefreshToken,
  });

  const body: Record<string, string | number> = {
    access_token: token.accessToken,
    token_type: "bearer",
    scope: formatScope(token.scopes),
  };
  if (token.refreshToken !== null) body.refresh_token = token.refreshToken;
  // The pitfall: a request without expires_in gets a response without it, yet the token expires.
  const reportDefaults = !switches.omit_default_expires_in;
  if (neverExpires) return jsonResponse(switches.token_success_status, body, NO_STORE);
  if (lifetimes.access !== null) body.expires_in = lifetimes.access;
  else if (reportDefaults && accessTtl !== null) body.expires_in = accessTtl;
  if (token.refreshToken !== null) {
    if (lifetimes.refresh !== null) body.refresh_token_expires_in = lifetimes.refresh;
    else if (reportDefaults && refreshTtl !== null) body.refresh_token_expires_in = refreshTtl;
  }
  return jsonResponse(switches.token_success_status, body, NO_STORE);
}

function exchangeCode(req: ZendeskRequest, params: Params, client: Client, lifetimes: RequestedLifetimes): SimResponse {
  const { store, clock } = req.state;
  if (!present(params.code)) return oauthError("invalid_request", "Missing required parameter: code.");
  const code = store.findCode(params.code);
  if (code === undefined || code.subdomain !== req.instance.subdomain || code.clientIdentifier !== client.identifier) {
    return oauthError("invalid_grant");
  }
  if (code.expiresAt <= clock.now()) {
    store.consumeCode(code.code);
    return oauthError("invalid_grant", "The authorization code expired (codes are valid for 120 seconds).");
  }
  if (!present(params.redirect_uri)) return oauthError("invalid_request", "Missing required parameter: redirect_uri.");
  if (params.redirect_uri !== code.redirectUri) return oauthError("invalid_grant");
  const verifier = params.code_verifier;
  if (code.codeChallenge !== null) {
    if (!present(verifier)) return oauthError("invalid_request", "Missing required parameter: code_verifier.");
    if (!VERIFIER_PATTERN.test(verifier) || s256(verifier) !== code.codeChallenge) return oauthError("invalid_grant");
  } else if (present(verifier)) {
    // A verifier without a challenge means the authorization request lost its PKCE: refuse.
    return oauthError("invalid_grant", "No code_challenge was sent with the authorization request.");
  }
  const scopes = narrowScopes(params, code.scopes);
  if (!scopes.ok) return scopes.response;
  // The admin may have narrowed the allowlist since the consent (codes live 120 s).
  const refusal = allowlistRefusal(client, scopes.value);
  if (refusal !== null) return oauthError("invalid_scope", refusal);

  store.consumeCode(code.code);
  return issue(
    req,
    { client, userId: code.userId, scopes: scopes.value, grantType: "authorization_code", withRefreshToken: true },
    lifetimes,
  );
}

function refresh(req: ZendeskRequest, params: Params, client: Client, lifetimes: RequestedLifetimes): SimResponse {
  const { store, clock } = req.state;
  if (!present(params.refresh_token))
    return oauthError("invalid_request", "Missing required parameter: refresh_token.");
  const previous = store.findByRefreshToken(params.refresh_token);
  if (
    previous === undefined ||
    previous.subdomain !== req.instance.subdomain ||
    previous.clientIdentifier !== client.identifier
  ) {
    return oauthError("invalid_grant");
  }
  if (previous.refreshTokenExpiresAt !== null && previous.refreshTokenExpiresAt <= clock.now()) {
    store.revoke(previous);
    return oauthError("invalid_grant", "The refresh token expired.");
  }
  const scopes = narrowScopes(params, previous.scopes);
  if (!scopes.ok) return scopes.response;
  // A refresh keeps the grant's scopes: once the admin narrows the allowlist below them, the
  // grant can no longer be renewed (unless the request narrows to allowed scopes). Nothing rotates.
  const refusal = allowlistRefusal(client, scopes.value);
  if (refusal !== null) return oauthError("invalid_scope", refusal);

  // Rotation: the previous access token and refresh token stop working at once.
  store.revoke(previous);
  return issue(
    req,
    { client, userId: previous.userId, scopes: scopes.value, grantType: "refresh_token", withRefreshToken: true },
    lifetimes,
  );
}

function clientCredentials(
  req: ZendeskRequest,
  params: Params,
  client: Client,
  lifetimes: RequestedLifetimes,
): SimResponse {
  if (client.kind !== "confidential") {
    return oauthError("invalid_client", "client_credentials needs a confidential client.");
  }
  const scopes = parseScope(params.scope);
  if (scopes.length === 0) return oauthError("invalid_scope", "Missing required parameter: scope.");
  const refusal = allowlistRefusal(client, scopes);
  if (refusal !== null) return oauthError("invalid_scope", refusal);
  // No user takes part: the token acts as the account owner, the instance's first admin.
  const owner = req.instance.users.find((user) => user.role === "admin");
  if (owner === undefined) return oauthError("invalid_client", "This instance has no admin to own the token.");
  return issue(
    req,
    { client, userId: owner.id, scopes, grantType: "client_credentials", withRefreshToken: false },
    { access: lifetimes.access, refresh: null },
  );
}

/** `POST /{sub}/oauth/tokens`. */
export function handleToken(req: ZendeskRequest): SimResponse {
  if (!req.body.ok) return oauthError("invalid_request", req.body.reason);
  const params = req.body.params;
  const grantType = params.grant_type;
  if (!present(grantType)) return oauthError("invalid_request", "Missing required parameter: grant_type.");
  if (!GRANT_TYPES.includes(grantType)) return oauthError("unsupported_grant_type");
  const client = authenticateClient(req, params);
  if (!client.ok) return client.response;
  const lifetimes = parseLifetimes(params, req);
  if (!lifetimes.ok) return lifetimes.response;
  switch (grantType) {
    case "authorization_code":
      return exchangeCode(req, params, client.value, lifetimes.value);
    case "refresh_token":
      return refresh(req, params, client.value, lifetimes.value);
    default:
      return clientCredentials(req, params, client.value, lifetimes.value);
  }
}
