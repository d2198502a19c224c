/**
 * Users: list (cursor or offset, optional `role`), show and search (`users/search.json?query=`
 * or `external_id=`). `users/me` stays with the account endpoints (api.ts): any valid token may
 * read it. These need `read` or `users:read`; end-users are refused.
 */
import { jsonResponse } from "../http.js";
import { isResponse, requireAccess } from "./access.js";
import { apiUrlOf } from "./api-url.js";
import { invalidAttribute, recordNotFound } from "./errors.js";
import { userJson } from "./json.js";
import { listResponse, readPageRequest } from "./pagination.js";
import type { ZendeskRequest } from "../context.js";
import type { SimResponse } from "../http.js";
import type { UserRecord } from "./records.js";

const byId = (record: { id: number }): number => record.id;
const ROLES = new Set(["admin", "agent", "end-user"]);

/** `GET /api/v2/users.json`, optionally `role=agent` or `role[]=agent&role[]=admin`. */
export function listUsers(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "users", "read");
  if (isResponse(caller)) return caller;
  const query = req.url.searchParams;
  const request = readPageRequest(query, { action: "api/v2/users/index", offset: true });
  if (isResponse(request)) return request;
  const roles = [...query.getAll("role"), ...query.getAll("role[]")];
  if (roles.some((role) => !ROLES.has(role))) {
    return invalidAttribute("role", "api/v2/users/index", "must be one of end-user, agent, admin");
  }
  const all = req.instance.data.users.sorted;
  const users = roles.length === 0 ? all : all.filter((user) => roles.includes(user.role));
  const apiUrl = apiUrlOf(req);
  return listResponse("users", users, byId, request, apiUrl("users.json"), query, (user) => userJson(apiUrl, user));
}

/** `GET /api/v2/users/{id}.json`. */
export function showUser(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "users", "read");
  if (isResponse(caller)) return caller;
  const raw = req.routeParams[0] ?? "";
  const user = /^\d{1,15}$/.test(raw) ? req.instance.data.users.get(Number(raw)) : undefined;
  if (user === undefined) return recordNotFound();
  return jsonResponse(200, { user: userJson(apiUrlOf(req), user) });
}

/** Case-insensitive: every word of the query in the name or email (an email matches itself). */
export function userMatches(user: UserRecord, words: readonly string[]): boolean {
  const haystack = `${user.name} ${user.email}`.toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** `GET /api/v2/users/search.json?query=…` or `?external_id=…`: cursor or offset. */
export function searchUsers(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "users", "read");
  if (isResponse(caller)) return caller;
  const query = req.url.searchParams;
  const text = query.get("query");
  const externalId = query.get("external_id");
  if ((text === null || text.trim() === "") && externalId === null) {
    return invalidAttribute("query", "api/v2/users/search", "is required (or external_id)");
  }
  const request = readPageRequest(query, { action: "api/v2/users/search", offset: true });
  if (isResponse(request)) return request;
  const words = (text ?? "")
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== "");
  const users = req.instance.data.users.sorted.filter(
    (user) => (externalId === null || user.external_id === externalId) && userMatches(user, words),
  );
  const apiUrl = apiUrlOf(req);
  return listResponse("users", users, byId, request, apiUrl("users/search.json"), query, (user) =>
    userJson(apiUrl, user),
  );
}
