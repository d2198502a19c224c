import type { ZendeskFailure } from "@/lib/zendesk/transport/http";

/**
 * Every problem a person can be shown about a Zendesk connection, as a stable code. The
 * settings page maps codes to messages (app/(app)/settings/integrations/messages.ts) and the
 * troubleshooting guide has an entry per code.
 */
export const CONNECT_ERROR_CODES = [
  "access_denied",
  "flow_expired",
  "session_mismatch",
  "state_invalid",
  "invalid_grant",
  "invalid_client",
  "invalid_scope",
  "invalid_request",
  "unknown_subdomain",
  "zendesk_unreachable",
  "zendesk_timeout",
  "zendesk_error",
  "zendesk_malformed",
  "rate_limited",
  "anonymous_user",
  "forbidden",
  "token_revoked",
  "no_client",
  "not_allowed",
  "storage_failed",
] as const;

export type ConnectErrorCode = (typeof CONNECT_ERROR_CODES)[number];

/** Narrows an untrusted query value to a known code. */
export function isConnectErrorCode(value: unknown): value is ConnectErrorCode {
  return typeof value === "string" && (CONNECT_ERROR_CODES as readonly string[]).includes(value);
}

/** The code a Zendesk failure is shown as. */
export function codeForFailure(f: ZendeskFailure): ConnectErrorCode {
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
 * Problems of an existing connection's token lifecycle (tokens/lifecycle.ts, api-client.ts),
 * kept apart from the connect-flow codes above so the connect page's message table stays exact.
 */
export const TOKEN_ERROR_CODES = [
  "needs_reconnect",
  "refresh_token_expired",
  "connection_not_found",
  "refresh_in_progress",
] as const;

export type TokenErrorCode = (typeof TOKEN_ERROR_CODES)[number];

/** Every code a connection-bound call (token, API client, test) can fail with. */
export type ZendeskErrorCode = ConnectErrorCode | TokenErrorCode;

/** Narrows an untrusted value to a connect or token-lifecycle code. */
export function isZendeskErrorCode(value: unknown): value is ZendeskErrorCode {
  return (
    isConnectErrorCode(value) || (typeof value === "string" && (TOKEN_ERROR_CODES as readonly string[]).includes(value))
  );
}
