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

/** Derives the status, with a one-line reason. */
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
  const refreshExpired = c.refreshTokenExpiresAt !== null && c.refreshTokenExpiresAt.getTime() <= t;
  if (accessExpired && (!renewable || (c.mode === "authorization_code" && refreshExpired))) {
    return {
      status: "needs_reconnect",
      reason: refreshExpired
        ? "The refresh token expired after a period without use. Reconnect to continue."
        : "The access token expired and cannot be renewed. Reconnect to continue.",
    };
  }
  if (c.status === "error")
    return { status: "error", reason: c.lastError ?? c.statusReason ?? "The last attempt to reach Zendesk failed." };
  const soon = t + expiringSoonSeconds * 1000;
  const accessSoon = c.accessTokenExpiresAt !== null && c.accessTokenExpiresAt.getTime() <= soon;
  const refreshSoon =
    c.mode === "authorization_code" && c.refreshTokenExpiresAt !== null && c.refreshTokenExpiresAt.getTime() <= soon;
  if (refreshSoon)
    return {
      status: "expiring_soon",
      reason: "The refresh token expires soon: the keep-alive job renews it, or reconnect.",
    };
  if (accessSoon) {
    return {
      status: "expiring_soon",
      reason: accessExpired
        ? "The access token has expired; it is renewed automatically on next use."
        : "The access token expires soon; it is renewed automatically.",
    };
  }
  return { status: "connected", reason: "Working normally." };
}
