/**
 * Who is calling and what they may do: the bearer token (unknown, expired, revoked or another
 * instance's token is `invalid_token`), then Zendesk's scope rule (scopes.ts), then the user's
 * own role, which limits a token whatever its scopes.
 */
import { scopeAllows } from "../scopes.js";
import { forbidden, invalidToken, notAuthenticated } from "./errors.js";
import type { ZendeskRequest } from "../context.js";
import type { SimResponse } from "../http.js";
import type { Access } from "../scopes.js";
import type { OAuthToken } from "../store.js";
import type { UserRecord } from "./records.js";

export type Caller =
  | { kind: "anonymous" }
  | { kind: "token"; token: OAuthToken; user: UserRecord }
  | { kind: "refused"; response: SimResponse };

export interface Authorized {
  token: OAuthToken;
  user: UserRecord;
}

export function isResponse(value: object): value is SimResponse {
  return "status" in value && "body" in value && "headers" in value;
}

/** Reads the bearer token and marks it used. */
export function identifyCaller(req: ZendeskRequest): Caller {
  const header = req.authorization?.trim();
  if (header === undefined || header === "") return { kind: "anonymous" };
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const value = match?.[1];
  if (value === undefined) return { kind: "refused", response: notAuthenticated() };
  const now = req.state.clock.now();
  const token = req.state.store.findByAccessToken(value);
  if (
    token === undefined ||
    token.subdomain !== req.instance.subdomain ||
    (token.expiresAt !== null && token.expiresAt <= now)
  ) {
    return { kind: "refused", response: invalidToken() };
  }
  const user = req.instance.data.users.get(token.userId);
  if (user === undefined) return { kind: "refused", response: invalidToken() };
  token.usedAt = now;
  return { kind: "token", token, user };
}

/** Every endpoint but users/me refuses anonymous callers. */
export function requireToken(req: ZendeskRequest): Authorized | SimResponse {
  const caller = identifyCaller(req);
  if (caller.kind === "refused") return caller.response;
  if (caller.kind === "anonymous") return notAuthenticated();
  return { token: caller.token, user: caller.user };
}

export type Resource = "tickets" | "users" | "organizations";

/**
 * A token with `read`/`write` or `{resource}:read|write`, of a user allowed there: end-users
 * never reach the agent API (they use the Requests API), and `admin` endpoints need an admin.
 */
export function requireAccess(
  req: ZendeskRequest,
  resource: Resource,
  access: Access,
  role: "agent" | "admin" = "agent",
): Authorized | SimResponse {
  const caller = requireToken(req);
  if (isResponse(caller)) return caller;
  if (!scopeAllows(caller.token.scopes, resource, access)) return forbidden();
  if (caller.user.role === "end-user" || (role === "admin" && caller.user.role !== "admin")) return forbidden();
  return caller;
}
