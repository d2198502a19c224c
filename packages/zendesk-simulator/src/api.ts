import { emptyResponse, jsonResponse } from "./http.js";
import { scopeAllows } from "./scopes.js";
import { iso } from "./store.js";
import type { ZendeskRequest } from "./context.js";
import type { SimResponse } from "./http.js";
import type { ParsedTicket, ParsedUser } from "./seed.js";
import type { Instance, OAuthToken } from "./store.js";

// Zendesk's exact error bodies, so clients can be tested against what they will really parse.
const FORBIDDEN = {
  error: "Forbidden",
  description:
    "You do not have access to this page. Please contact the account owner of this help desk for further help.",
};
const INVALID_TOKEN = {
  error: "invalid_token",
  error_description: "The access token provided is expired, revoked, malformed or invalid for other reasons.",
};
const NOT_AUTHENTICATED = { error: "Couldn't authenticate you" };
const RECORD_NOT_FOUND = { error: "RecordNotFound", description: "Not found" };
export const INVALID_ENDPOINT = { error: "InvalidEndpoint", description: "Not found" };

/** Seeded users have no history; one fixed date keeps answers stable. */
const ACCOUNT_CREATED_AT = "2024-01-02T09:00:00Z";

type Caller =
  | { kind: "anonymous" }
  | { kind: "token"; token: OAuthToken; user: ParsedUser }
  | { kind: "refused"; response: SimResponse };

function forbidden(): SimResponse {
  return jsonResponse(403, FORBIDDEN);
}

function invalidToken(): SimResponse {
  return jsonResponse(401, INVALID_TOKEN, { "www-authenticate": 'Bearer realm="Zendesk", error="invalid_token"' });
}

/** Reads the bearer token: unknown, revoked, expired or another instance's token is `invalid_token`. */
function identifyCaller(req: ZendeskRequest): Caller {
  const header = req.authorization?.trim();
  if (header === undefined || header === "") return { kind: "anonymous" };
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const value = match?.[1];
  if (value === undefined) return { kind: "refused", response: jsonResponse(401, NOT_AUTHENTICATED) };
  const now = req.state.clock.now();
  const token = req.state.store.findByAccessToken(value);
  if (
    token === undefined ||
    token.subdomain !== req.instance.subdomain ||
    (token.expiresAt !== null && token.expiresAt <= now)
  ) {
    return { kind: "refused", response: invalidToken() };
  }
  const user = req.instance.users.find((candidate) => candidate.id === token.userId);
  if (user === undefined) return { kind: "refused", response: invalidToken() };
  token.usedAt = now;
  return { kind: "token", token, user };
}

/** Endpoints other than users/me refuse anonymous callers. */
function requireToken(req: ZendeskRequest): { token: OAuthToken; user: ParsedUser } | SimResponse {
  const caller = identifyCaller(req);
  if (caller.kind === "refused") return caller.response;
  if (caller.kind === "anonymous") return jsonResponse(401, NOT_AUTHENTICATED);
  return { token: caller.token, user: caller.user };
}

function isResponse(value: object): value is SimResponse {
  return "status" in value && "body" in value;
}

function apiUrl(req: ZendeskRequest, path: string): string {
  return `${req.baseUrl}/${req.instance.subdomain}/api/v2/${path}`;
}

function userJson(req: ZendeskRequest, user: ParsedUser): Record<string, unknown> {
  return {
    id: user.id,
    url: apiUrl(req, `users/${user.id}.json`),
    name: user.name,
    email: user.email,
    created_at: ACCOUNT_CREATED_AT,
    updated_at: ACCOUNT_CREATED_AT,
    time_zone: user.time_zone,
    iana_time_zone: user.iana_time_zone,
    phone: null,
    shared_phone_number: null,
    photo: null,
    locale: user.locale,
    organization_id: user.organization_id,
    role: user.role,
    verified: true,
    external_id: null,
    tags: [],
    alias: null,
    active: true,
    shared: false,
    shared_agent: false,
    last_login_at: null,
    two_factor_auth_enabled: null,
    signature: null,
    details: "",
    notes: "",
    role_type: null,
    custom_role_id: null,
    moderator: user.role !== "end-user",
    ticket_restriction: user.role === "end-user" ? "requested" : null,
    only_private_comments: false,
    restricted_agent: false,
    suspended: false,
    default_group_id: null,
    report_csv: user.role === "admin",
    user_fields: {},
  };
}

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
  return jsonResponse(200, { user: userJson(req, caller.user) });
}

function tokenJson(req: ZendeskRequest, token: OAuthToken): Record<string, unknown> {
  return {
    url: apiUrl(req, `oauth/tokens/${token.id}.json`),
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

function ticketJson(req: ZendeskRequest, instance: Instance, ticket: ParsedTicket): Record<string, unknown> {
  const requester = instance.users.find((user) => user.id === ticket.requester_id);
  return {
    url: apiUrl(req, `tickets/${ticket.id}.json`),
    id: ticket.id,
    external_id: null,
    via: { channel: "web", source: { from: {}, to: {}, rel: null } },
    created_at: ticket.created_at,
    updated_at: ticket.created_at,
    type: ticket.type,
    subject: ticket.subject,
    raw_subject: ticket.subject,
    description: ticket.description,
    priority: ticket.priority,
    status: ticket.status,
    recipient: null,
    requester_id: ticket.requester_id,
    submitter_id: ticket.requester_id,
    assignee_id: ticket.assignee_id,
    organization_id: requester?.organization_id ?? null,
    group_id: null,
    collaborator_ids: [],
    follower_ids: [],
    email_cc_ids: [],
    problem_id: null,
    has_incidents: false,
    is_public: true,
    due_at: null,
    tags: [...ticket.tags],
    custom_fields: [],
    satisfaction_rating: null,
    sharing_agreement_ids: [],
    followup_ids: [],
    brand_id: null,
    allow_channelback: false,
    allow_attachments: true,
  };
}

function positiveInt(raw: string | null, fallback: number): number {
  if (raw === null || !/^\d+$/.test(raw)) return fallback;
  const value = Number(raw);
  return value >= 1 ? value : fallback;
}

/** `GET /api/v2/tickets.json`: offset pagination, `next_page` an absolute URL. */
export function listTickets(req: ZendeskRequest): SimResponse {
  const caller = requireToken(req);
  if (isResponse(caller)) return caller;
  if (!scopeAllows(caller.token.scopes, "tickets", "read")) return forbidden();
  // The user's own role still applies: end-users cannot list the account's tickets.
  if (caller.user.role === "end-user") return forbidden();

  const query = req.url.searchParams;
  const perPageGiven = query.get("per_page");
  const perPage = Math.min(100, positiveInt(perPageGiven, 100));
  const page = positiveInt(query.get("page"), 1);
  const tickets = req.instance.tickets;
  const start = (page - 1) * perPage;
  const pageUrl = (target: number): string => {
    const params = new URLSearchParams({ page: String(target) });
    if (perPageGiven !== null) params.set("per_page", String(perPage));
    return `${apiUrl(req, "tickets.json")}?${params.toString()}`;
  };
  return jsonResponse(200, {
    tickets: tickets.slice(start, start + perPage).map((ticket) => ticketJson(req, req.instance, ticket)),
    next_page: start + perPage < tickets.length ? pageUrl(page + 1) : null,
    previous_page: page > 1 ? pageUrl(page - 1) : null,
    count: tickets.length,
  });
}
