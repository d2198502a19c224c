import { listConnections } from "./queries.js";
import { zendeskSettings } from "../transport/settings.js";
import { computeStatus, STATUS_LABEL } from "../catalogue/status.js";
import { isPermissionsReduced, PERMISSIONS_REDUCED_LABEL } from "../catalogue/permissions-reduced.js";
import { nonExpiringNotice } from "../catalogue/non-expiring.js";

/**
 * The workspace's connections as the host app polls them (GET {basePath}/status):
 * the same status the settings page shows, and no token material of any kind.
 */
export async function statusReport(workspaceId: string, now = new Date()) {
  const { expiringSoonSeconds, nonExpiringDeadline, globalClient } = zendeskSettings();
  const rows = await listConnections(workspaceId);
  const connections = rows.map((c) => {
    const { status, reason } = computeStatus(c, now, expiringSoonSeconds);
    const notice = nonExpiringNotice(c, {
      localDeadline: nonExpiringDeadline,
      globalClientIdentifier: globalClient?.identifier,
    });
    return {
      id: c.id,
      subdomain: c.subdomain,
      status,
      statusLabel:
        status === "needs_reconnect" && isPermissionsReduced(c) ? PERMISSIONS_REDUCED_LABEL : STATUS_LABEL[status],
      reason,
      /** Set while the access token never expires: a new consent must move it to expiring tokens. */
      actionNeeded: notice
        ? {
            kind: "move_to_expiring_tokens" as const,
            deadline: notice.deadline,
            clientKind: notice.clientKind,
            message: notice.message,
          }
        : null,
      mode: c.mode,
      zendeskUser: c.zendeskUserId
        ? { id: c.zendeskUserId, name: c.zendeskUserName, email: c.zendeskUserEmail, role: c.zendeskUserRole }
        : null,
      requestedScopes: c.requestedScopes,
      grantedScopes: c.grantedScopes,
      accessTokenExpiresAt: c.accessTokenExpiresAt?.toISOString() ?? null,
      refreshTokenExpiresAt: c.refreshTokenExpiresAt?.toISOString() ?? null,
      lastRefreshedAt: c.lastRefreshedAt?.toISOString() ?? null,
      lastError: c.lastError,
      lastErrorAt: c.lastErrorAt?.toISOString() ?? null,
      connectedAt: c.connectedAt.toISOString(),
    };
  });
  return {
    checkedAt: now.toISOString(),
    /** Connections still on never-expiring tokens, and Zendesk's deadline for local clients. */
    nonExpiring: {
      count: connections.filter((c) => c.actionNeeded).length,
      localDeadline: nonExpiringDeadline,
    },
    connections,
  };
}

export type StatusReport = Awaited<ReturnType<typeof statusReport>>;
