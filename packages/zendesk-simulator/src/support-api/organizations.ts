/** Organizations: list (cursor or offset) and show; `read` or `organizations:read`. */
import { jsonResponse } from "../http.js";
import { isResponse, requireAccess } from "./access.js";
import { apiUrlOf } from "./api-url.js";
import { recordNotFound } from "./errors.js";
import { organizationJson } from "./json.js";
import { listResponse, readPageRequest } from "./pagination.js";
import type { ZendeskRequest } from "../context.js";
import type { SimResponse } from "../http.js";

const byId = (record: { id: number }): number => record.id;

/** `GET /api/v2/organizations.json`. */
export function listOrganizations(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "organizations", "read");
  if (isResponse(caller)) return caller;
  const query = req.url.searchParams;
  const request = readPageRequest(query, { action: "api/v2/organizations/index", offset: true });
  if (isResponse(request)) return request;
  const apiUrl = apiUrlOf(req);
  return listResponse(
    "organizations",
    req.instance.data.organizations.sorted,
    byId,
    request,
    apiUrl("organizations.json"),
    query,
    (organization) => organizationJson(apiUrl, organization),
  );
}

/** `GET /api/v2/organizations/{id}.json`. */
export function showOrganization(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "organizations", "read");
  if (isResponse(caller)) return caller;
  const raw = req.routeParams[0] ?? "";
  const organization = /^\d{1,15}$/.test(raw) ? req.instance.data.organizations.get(Number(raw)) : undefined;
  if (organization === undefined) return recordNotFound();
  return jsonResponse(200, { organization: organizationJson(apiUrlOf(req), organization) });
}
