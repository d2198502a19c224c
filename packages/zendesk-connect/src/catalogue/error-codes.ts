/*
 * The one catalogue of what can go wrong with a Zendesk connection: each stable code with the
 * title and message a person reads and the anchor of its help entry. The settings page shows
 * the title and message; /help/zendesk heads each entry with the same title (its long prose
 * lives in troubleshooting.ts). ZendeskError (transport/errors.ts) carries these codes.
 */

/** Problems of connecting (the connect form, the OAuth callback, client credentials). */
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

/** Narrows an untrusted query value to a connect code. */
export function isConnectErrorCode(value: unknown): value is ConnectErrorCode {
  return typeof value === "string" && (CONNECT_ERROR_CODES as readonly string[]).includes(value);
}

/** Problems of an existing connection: its token lifecycle and the API client. */
export const TOKEN_ERROR_CODES = [
  "needs_reconnect",
  "refresh_token_expired",
  "connection_not_found",
  "refresh_in_progress",
  "invalid_url",
] as const;

export type TokenErrorCode = (typeof TOKEN_ERROR_CODES)[number];

/** Every code a ZendeskError can carry. */
export type ZendeskErrorCode = ConnectErrorCode | TokenErrorCode;

/** Narrows an untrusted value to any code. */
export function isZendeskErrorCode(value: unknown): value is ZendeskErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CATALOGUE, value);
}

export interface ErrorDescription {
  title: string;
  message: string;
}

/** Code → what a person reads. Never raw errors, never JSON, never a secret. */
export const ERROR_CATALOGUE: Record<ZendeskErrorCode, ErrorDescription> = {
  access_denied: {
    title: "Access was denied in Zendesk",
    message:
      "Deny was chosen on Zendesk's consent page, so nothing was connected. Connect again and choose Allow to finish.",
  },
  flow_expired: {
    title: "This connection attempt is no longer valid",
    message:
      "It expired or was already used (a page reloaded or a link opened twice). Nothing was changed. Start again with Connect Zendesk.",
  },
  session_mismatch: {
    title: "You came back signed in as someone else",
    message:
      "The connection was started by another account in this browser. Nothing was stored. Sign in as that person, or start again.",
  },
  state_invalid: {
    title: "Zendesk's answer could not be verified",
    message:
      "The security check (state and PKCE) of the response failed, so nothing was stored. Start again with Connect Zendesk.",
  },
  invalid_grant: {
    title: "Zendesk refused the authorization code",
    message:
      "It expired (codes last 120 seconds) or was already used, or the redirect URL does not match. Start again with Connect Zendesk.",
  },
  invalid_client: {
    title: "Zendesk did not accept the OAuth client",
    message:
      "The client's Unique Identifier or secret is wrong, or the client was deleted. Nothing was saved and an existing connection keeps working. Check it in Zendesk Admin Center → Apps and integrations → APIs → OAuth Clients, then enter it here again.",
  },
  invalid_scope: {
    title: "Zendesk refused the requested permissions",
    message:
      "A Zendesk admin may restrict which permissions this OAuth client can request (Admin Center → Apps and integrations → APIs → OAuth clients). Choose fewer permissions, or ask the admin to allow them, and connect again.",
  },
  invalid_request: {
    title: "Zendesk refused the request",
    message:
      "Zendesk said the request was invalid. Start again; if it keeps happening, check the OAuth client's settings in Zendesk Admin Center.",
  },
  unknown_subdomain: {
    title: "No Zendesk account at that address",
    message: "Check the subdomain: it's the first part of your Zendesk address, like acme in acme.zendesk.com.",
  },
  zendesk_unreachable: {
    title: "Zendesk could not be reached",
    message: "The connection to Zendesk failed. Nothing was changed. Try again in a minute.",
  },
  zendesk_timeout: {
    title: "Zendesk took too long to answer",
    message: "Nothing was changed. Try again in a minute.",
  },
  zendesk_error: {
    title: "Zendesk had a problem",
    message: "Zendesk answered with an error on its side. Nothing was changed. Try again in a few minutes.",
  },
  zendesk_malformed: {
    title: "Zendesk sent an answer we couldn't read",
    message: "Nothing was changed. Try again in a few minutes.",
  },
  rate_limited: {
    title: "Zendesk is limiting requests",
    message: "Your Zendesk account reached its API rate limit. Nothing was changed. Wait a minute and try again.",
  },
  anonymous_user: {
    title: "Zendesk didn't identify a user",
    message:
      "Zendesk answered as an anonymous visitor, so the connection can't be used. Sign in to Zendesk as an agent or admin and connect again.",
  },
  forbidden: {
    title: "Zendesk refused access",
    message:
      "The token's permissions or the Zendesk user's own role don't allow this. Reconnect as a Zendesk admin, or with wider permissions.",
  },
  token_revoked: {
    title: "Zendesk no longer accepts this connection",
    message: "The token was revoked or expired in Zendesk. Reconnect to continue.",
  },
  no_client: {
    title: "No OAuth client to connect with",
    message:
      "This app has no global Zendesk client configured. Register your own OAuth client for this subdomain below.",
  },
  not_allowed: {
    title: "Only owners and admins can do this",
    message: "Ask an owner or admin of this workspace to connect or change Zendesk.",
  },
  storage_failed: {
    title: "The connection couldn't be saved",
    message:
      "Zendesk approved it, but saving failed on our side, so this app revoked the tokens Zendesk had just issued. Nothing was changed. Try again.",
  },
  needs_reconnect: {
    title: "This connection needs to be reconnected",
    message:
      "Zendesk no longer accepts its refresh token (it was revoked, or used elsewhere). Choose Reconnect and approve again in Zendesk.",
  },
  refresh_token_expired: {
    title: "This connection lapsed",
    message:
      "Its refresh token expired after a long period without use. Choose Reconnect and approve again in Zendesk.",
  },
  connection_not_found: {
    title: "This connection no longer exists",
    message: "It was disconnected, perhaps in another tab. Reload the page to see the current state.",
  },
  refresh_in_progress: {
    title: "A refresh is already running",
    message: "Another request is renewing this connection's token right now. Wait a few seconds and try again.",
  },
  invalid_url: {
    title: "This app refused to build a Zendesk address",
    message:
      "A request would have left your Zendesk account's address or used a path Zendesk does not have, so it was not sent. Nothing was changed. Contact this app's support.",
  },
};

/** The troubleshooting guide; each code's entry is at its own anchor (help-links.ts). */
export const HELP_PAGE = "/help/zendesk";

/** A code's title, message and the link to its entry in the troubleshooting guide. */
export function describeError(code: ZendeskErrorCode): ErrorDescription & { help: string } {
  return { ...ERROR_CATALOGUE[code], help: `${HELP_PAGE}#${code}` };
}

/** A code as one sentence pair, "Title. Message.", where a page has room for a single line. */
export function errorSummary(code: ZendeskErrorCode): string {
  const { title, message } = ERROR_CATALOGUE[code];
  return `${title}. ${message}`;
}

/** What the connect form says beside a subdomain where no Zendesk account answers. */
export function unknownSubdomainMessage(subdomain: string): string {
  return `There is no Zendesk account at ${subdomain}.zendesk.com. ${ERROR_CATALOGUE.unknown_subdomain.message}`;
}
