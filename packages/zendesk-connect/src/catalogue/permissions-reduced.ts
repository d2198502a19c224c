/*
 * A refresh refused with invalid_scope: the Zendesk admin narrowed the OAuth client's scope
 * allowlist after the connection was made, so Zendesk no longer renews a grant with its scopes.
 * The token lifecycle stores this reason; the card and the status API show it under its own label.
 */

export const PERMISSIONS_REDUCED_LABEL = "Needs reconnect — permissions reduced";

export const PERMISSIONS_REDUCED_REASON =
  "Zendesk refused to renew the token (invalid_scope): a Zendesk admin no longer allows this OAuth client some of the connection's permissions. Change permissions to fewer ones, or ask the admin to allow them again, then reconnect.";

/** True for a connection ended because Zendesk refused its scopes at refresh. */
export function isPermissionsReduced(c: {
  status: string;
  statusReason: string | null;
  lastError: string | null;
}): boolean {
  if (c.status !== "needs_reconnect") return false;
  return c.statusReason === PERMISSIONS_REDUCED_REASON || /: invalid_scope$/.test(c.lastError ?? "");
}
