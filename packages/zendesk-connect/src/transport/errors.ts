import type { ZendeskErrorCode } from "../catalogue/error-codes.js";

/*
 * The one error type of the Zendesk module. Every failure a caller can see (the transport's,
 * the token lifecycle's, the API client's, a refused URL, a missing OAuth client) is a
 * ZendeskError with a stable `code` from the catalogue and, when Zendesk or the network was
 * involved, the typed `failure` behind it. Messages are safe for logs and events: never token
 * material.
 */

/** What went wrong talking to Zendesk, as the transport classified it. */
export type ZendeskFailure =
  | { kind: "unreachable"; detail: string }
  | { kind: "timeout" }
  | { kind: "unknown_subdomain" }
  | { kind: "rate_limited"; retryAfterSeconds?: number }
  | { kind: "server_error"; status: number }
  | { kind: "malformed"; status: number }
  | { kind: "oauth"; status: number; error: string; description?: string }
  | { kind: "invalid_token" }
  | { kind: "forbidden" }
  | { kind: "not_found" }
  | { kind: "anonymous_user" }
  | { kind: "unexpected_status"; status: number };

export class ZendeskError extends Error {
  override name = "ZendeskError";
  readonly code: ZendeskErrorCode;
  /** The Zendesk failure behind it, when there was one. */
  readonly failure?: ZendeskFailure;

  /** From a transport failure (its code and message derived), or from a code and a message. */
  constructor(failure: ZendeskFailure);
  constructor(code: ZendeskErrorCode, message: string, failure?: ZendeskFailure);
  constructor(codeOrFailure: ZendeskErrorCode | ZendeskFailure, message?: string, failure?: ZendeskFailure) {
    const fromFailure = typeof codeOrFailure === "object";
    super(fromFailure ? describeFailure(codeOrFailure) : (message ?? codeOrFailure));
    this.code = fromFailure ? codeForFailure(codeOrFailure) : codeOrFailure;
    this.failure = fromFailure ? codeOrFailure : failure;
  }
}

/** One line, safe for logs and events: never token material. */
export function describeFailure(f: ZendeskFailure): string {
  switch (f.kind) {
    case "unreachable":
      return `Zendesk could not be reached (${f.detail})`;
    case "timeout":
      return "Zendesk did not answer in time";
    case "unknown_subdomain":
      return "No Zendesk account exists at this subdomain";
    case "rate_limited":
      return f.retryAfterSeconds !== undefined
        ? `Zendesk is rate limiting requests (retry after ${f.retryAfterSeconds} s)`
        : "Zendesk is rate limiting requests";
    case "server_error":
      return `Zendesk answered with a server error (HTTP ${f.status})`;
    case "malformed":
      return `Zendesk sent a response that could not be read (HTTP ${f.status})`;
    case "oauth":
      return `Zendesk refused the request: ${f.error}`;
    case "invalid_token":
      return "Zendesk says the access token is expired, revoked or invalid";
    case "forbidden":
      return "Zendesk refused access: the token's scopes or the user's role do not allow this";
    case "not_found":
      return "Zendesk could not find that resource";
    case "anonymous_user":
      return "Zendesk did not recognise the signed-in user (anonymous user)";
    case "unexpected_status":
      return `Zendesk answered with an unexpected HTTP ${f.status}`;
  }
}

/** Failures worth retrying later with the same credentials. */
export function isTransient(f: ZendeskFailure): boolean {
  return ["unreachable", "timeout", "rate_limited", "server_error", "malformed"].includes(f.kind);
}

/** The code a Zendesk failure is shown as. */
export function codeForFailure(f: ZendeskFailure): ZendeskErrorCode {
  switch (f.kind) {
    case "unreachable":
      return "zendesk_unreachable";
    case "timeout":
      return "zendesk_timeout";
    case "unknown_subdomain":
      return "unknown_subdomain";
    case "rate_limited":
      return "rate_limited";
    case "server_error":
    case "unexpected_status":
    case "not_found":
      return "zendesk_error";
    case "malformed":
      return "zendesk_malformed";
    case "oauth":
      if (f.error === "invalid_grant") return "invalid_grant";
      if (f.error === "invalid_client" || f.error === "unauthorized_client") return "invalid_client";
      if (f.error === "invalid_scope") return "invalid_scope";
      if (f.error === "access_denied") return "access_denied";
      return "invalid_request";
    case "invalid_token":
      return "token_revoked";
    case "forbidden":
      return "forbidden";
    case "anonymous_user":
      return "anonymous_user";
  }
}

/**
 * What a lib function the UI calls returns: its value, or a stable code (with the detail
 * behind it, when there is one) that the catalogue turns into a message. One style for all.
 */
export type Result<T extends object = object, C extends string = ZendeskErrorCode> =
  ({ ok: true } & T) | { ok: false; code: C; message?: string };
