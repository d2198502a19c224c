import type { ZendeskRequest } from "../context.js";
import type { ApiUrl } from "./json.js";

/** Absolute API URLs of the request's instance: `url` fields and pagination links are absolute, as Zendesk's. */
export function apiUrlOf(req: ZendeskRequest): ApiUrl {
  const base = `${req.baseUrl}/${req.instance.subdomain}/api/v2/`;
  return (path) => base + path;
}
