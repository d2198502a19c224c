/**
 * Zendesk's error answers, in one place, so every handler refuses bad input with the body a
 * client will really parse. Where Zendesk's exact text is not public the README says so.
 */
import { jsonResponse } from "../http.js";
import type { SimResponse } from "../http.js";

export const FORBIDDEN = {
  error: "Forbidden",
  description:
    "You do not have access to this page. Please contact the account owner of this help desk for further help.",
};
export const INVALID_TOKEN = {
  error: "invalid_token",
  error_description: "The access token provided is expired, revoked, malformed or invalid for other reasons.",
};
export const NOT_AUTHENTICATED = { error: "Couldn't authenticate you" };
export const RECORD_NOT_FOUND = { error: "RecordNotFound", description: "Not found" };
export const INVALID_ENDPOINT = { error: "InvalidEndpoint", description: "Not found" };

export function forbidden(): SimResponse {
  return jsonResponse(403, FORBIDDEN);
}

export function invalidToken(): SimResponse {
  return jsonResponse(401, INVALID_TOKEN, { "www-authenticate": 'Bearer realm="Zendesk", error="invalid_token"' });
}

export function notAuthenticated(): SimResponse {
  return jsonResponse(401, NOT_AUTHENTICATED);
}

export function recordNotFound(): SimResponse {
  return jsonResponse(404, RECORD_NOT_FOUND);
}

export interface FieldError {
  description: string;
  error: string;
  field_key?: string;
}

/** 422 RecordInvalid: `details` maps a field (or `base`) to what is wrong with it. */
export function recordInvalid(details: Record<string, FieldError[]>): SimResponse {
  return jsonResponse(422, { error: "RecordInvalid", description: "Record validation errors", details });
}

/**
 * A malformed query parameter (`page=abc`, `page[size]=x`): Zendesk's nested "Invalid attribute"
 * error, naming the parameter and the action (`api/v2/tickets/index`).
 */
export function invalidAttribute(attribute: string, action: string, rule = "must be an integer"): SimResponse {
  return jsonResponse(400, {
    error: {
      title: "Invalid attribute",
      message: `You passed an invalid value for the ${attribute} attribute. Invalid parameter: ${attribute} ${rule} from ${action}`,
    },
  });
}

/** A well-formed but unacceptable pagination parameter: too big a page, a bad cursor. */
export function invalidPagination(description: string): SimResponse {
  return jsonResponse(400, { error: "InvalidPaginationParameter", description });
}

/** A request body that is not a JSON object. */
export function unparsableBody(): SimResponse {
  return jsonResponse(400, {
    error: "Unprocessable Entity",
    description: "The request body could not be parsed: send a JSON object with content-type application/json.",
  });
}
