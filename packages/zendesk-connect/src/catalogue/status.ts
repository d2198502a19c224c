/**
 * A connection's status as people see it, computed in one place from stored state and the
 * clock: the settings page and the status endpoint both use this.
 */
export type DisplayStatus = "connected" | "expiring_soon" | "needs_reconnect" | "revoked" | "error";

export const STATUS_LABEL: Record<DisplayStatus, string> = {
  connected: "Connected",
  expiring_soon: "Expiring soon",
  needs_reconnect: "Needs reconnect",
  revoked: "Revoked in Zendesk",
  error: "Error",
};

export interface StatusInput {
  status: "active" | "needs_reconnect" | "revoked" | "error";
  statusReason: string | null;
  lastError: string | null;
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
  hasRefreshToken: boolean;
  mode: "authorization_code" | "client_credentials";
}

/**
 * Derives the status, with a one-line reason. It follows the connection, not the access token:
 * access tokens expire while idle and are renewed on next use, so an expired access token with a
 * live refresh token (or a client-credentials grant) is Connected. Expiring soon warns that the
 * refresh token itself ends within `expiringSoonSeconds` without having been renewed: the keep-alive
 * renews it well before (ZENDESK_KEEPALIVE_REFRESH_DAYS), so this means the keep-alive is not running.
 */
export function computeStatus(
  c: StatusInput,
  now: Date,
  expiringSoonSeconds: number,
): { status: DisplayStatus; reason: string } {
  if (c.status === "revoked")
    return { status: "revoked", reason: c.statusReason ?? "The token was revoked in Zendesk. Reconnect to continue." };
  if (c.status === "needs_reconnect")
    return {
      status: "needs_reconnect",
      reason: c.statusReason ?? "Zendesk no longer accepts this connection. Reconnect to continue.",
    };
  const t = now.getTime();
  const accessExpired = c.accessTokenExpiresAt !== null && c.accessTokenExpiresAt.getTime() <= t;
  const renewable = c.mode === "client_credentials" || c.hasRefreshToken;
  const refreshExpired =
    c.mode === "authorization_code" && c.refreshTokenExpiresAt !== null && c.refreshTokenExpiresAt.getTime() <= t;
  if (refreshExpired)
    return {
      status: "needs_reconnect",
      reason: "The refresh token expired after a period without use. Reconnect to continue.",
    };
  if (accessExpired && !renewable)
    return {
      status: "needs_reconnect",
      reason: "The access token expired and cannot be renewed. Reconnect to continue.",
    };
  if (c.status === "error")
    return { status: "error", reason: c.lastError ?? c.statusReason ?? "The last attempt to reach Zendesk failed." };
  const refreshSoon =
    c.mode === "authorization_code" &&
    c.refreshTokenExpiresAt !== null &&
    c.refreshTokenExpiresAt.getTime() <= t + expiringSoonSeconds * 1000;
  if (refreshSoon)
    return {
      status: "expiring_soon",
      reason: `The refresh token expires on ${c.refreshTokenExpiresAt!.toISOString().slice(0, 10)} and has not been renewed: check that the keep-alive job runs, or reconnect.`,
    };
  if (accessExpired)
    return {
      status: "connected",
      reason: "Working normally. The access token expired while unused; it is renewed on next use.",
    };
  return { status: "connected", reason: "Working normally." };
}
