/**
 * The account endpoints a connection lives on: `users/me`, `oauth/tokens/current` and token
 * revocation. The Support records (tickets, users, organizations, search) are in `support-api/`.
 */
import { emptyResponse, jsonResponse } from "./http.js";
import { iso } from "./store.js";
import { identifyCaller, isResponse, requireToken } from "./support-api/access.js";
import { apiUrlOf } from "./support-api/api-url.js";
import { forbidden, INVALID_ENDPOINT, RECORD_NOT_FOUND } from "./support-api/errors.js";
import { userJson } from "./support-api/json.js";
import type { ZendeskRequest } from "./context.js";
import type { SimResponse } from "./http.js";
import type { OAuthToken } from "./store.js";

/** What Zendesk answers an unauthenticated users/me: a user whose id is null. */
function anonymousUserJson(): Record<string, unknown> {
  return {
    id: null,
    url: null,
    name: "Anonymous user",
    email: "invalid@example.com",
    created_at: null,
    updated_at: null,
    time_zone: "Eastern Time (US & Canada)",
    iana_time_zone: "America/New_York",
    phone: null,
    shared_phone_number: null,
    photo: null,
    locale: "en-US",
    organization_id: null,
    role: "end-user",
    verified: false,
    external_id: null,
    tags: [],
    alias: null,
    active: true,
    shared: false,
    shared_agent: false,
    last_login_at: null,
    suspended: false,
    user_fields: {},
  };
}

/** `GET /api/v2/users/me.json`: readable by any valid token, whatever its scopes. */
export function showCurrentUser(req: ZendeskRequest): SimResponse {
  const caller = identifyCaller(req);
  if (caller.kind === "refused") return caller.response;
  if (caller.kind === "anonymous") return jsonResponse(200, { user: anonymousUserJson() });
  return jsonResponse(200, { user: userJson(apiUrlOf(req), caller.user) });
}

function tokenJson(req: ZendeskRequest, token: OAuthToken): Record<string, unknown> {
  return {
    url: apiUrlOf(req)(`oauth/tokens/${token.id}.json`),
    id: token.id,
    user_id: token.userId,
    // Zendesk's API reports the client's numeric id here, not the identifier OAuth uses.
    client_id: token.clientNumericId,
    token: token.accessToken.slice(0, 10),
    scopes: [...token.scopes],
    created_at: new Date(token.createdAt).toISOString(),
    used_at: iso(token.usedAt),
    expires_at: iso(token.expiresAt),
    refresh_token_expires_at: iso(token.refreshTokenExpiresAt),
  };
}

/**
 * `GET /api/v2/oauth/tokens/current.json`. It is not in Zendesk's public API reference, so the
 * instance's `tokens_current` mode can make it need the `read` scope (403) or be missing (404).
 */
export function showCurrentToken(req: ZendeskRequest): SimResponse {
  const mode = req.instance.tokensCurrent;
  if (mode === "missing") return jsonResponse(404, INVALID_ENDPOINT);
  const caller = requireToken(req);
  if (isResponse(caller)) return caller;
  if (mode === "require_read" && !caller.token.scopes.includes("read")) return forbidden();
  return jsonResponse(200, { token: tokenJson(req, caller.token) });
}

/** `DELETE /api/v2/oauth/tokens/current.json`: 204, but reported not to revoke (a switch). */
export function deleteCurrentToken(req: ZendeskRequest): SimResponse {
  const caller = requireToken(req);
  if (isResponse(caller)) return caller;
  if (req.state.switches.revoke_on_delete_current) req.state.store.revoke(caller.token);
  return emptyResponse(204);
}

/**
 * `DELETE /api/v2/oauth/tokens/{id}.json`: a token may always revoke itself; revoking
 * another token of the instance takes an admin with the `write` scope.
 */
export function revokeTokenById(req: ZendeskRequest): SimResponse {
  const caller = requireToken(req);
  if (isResponse(caller)) return caller;
  const target = req.state.store.findTokenById(Number(req.routeParams[0]));
  if (target === undefined || target.subdomain !== req.instance.subdomain) return jsonResponse(404, RECORD_NOT_FOUND);
  if (target.id !== caller.token.id && (caller.user.role !== "admin" || !caller.token.scopes.includes("write"))) {
    return forbidden();
  }
  req.state.store.revoke(target);
  return emptyResponse(204);
}
