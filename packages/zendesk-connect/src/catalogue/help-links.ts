import { CONNECT_ERROR_CODES, HELP_PAGE, TOKEN_ERROR_CODES, type ZendeskErrorCode } from "./error-codes.js";

// Links into the troubleshooting guide, apart from its content (troubleshooting.ts) so the
// client islands that link to it do not ship the whole guide.

/** Problems without an error code of their own. */
export const EXTRA_TOPICS = [
  "redirect_uri_mismatch",
  "plan_without_oauth",
  "role_limits_scopes",
  "sell_client",
  "numeric_client_id",
  "lost_secret",
  "client_other_account",
  "host_mapped_domain",
  "client_kind",
  "api_token",
  "revocation_failed",
  "scope_allowlist",
  "non_expiring_tokens",
] as const;

export type HelpTopic = ZendeskErrorCode | (typeof EXTRA_TOPICS)[number];

/** Every topic, error codes first, then the extra topics. */
export const HELP_TOPICS: readonly HelpTopic[] = [...CONNECT_ERROR_CODES, ...TOKEN_ERROR_CODES, ...EXTRA_TOPICS];

/** The troubleshooting guide's link for a topic (its anchor is the topic itself). */
export function helpHref(topic: HelpTopic): string {
  return `${HELP_PAGE}#${topic}`;
}

/** Narrows an untrusted value (an error code from a form state or query) to a topic with an entry. */
export function isHelpTopic(v: unknown): v is HelpTopic {
  return typeof v === "string" && (HELP_TOPICS as readonly string[]).includes(v);
}
