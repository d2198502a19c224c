import "server-only";
import { listConnections } from "./queries";
import { zendeskSettings } from "@/lib/zendesk/transport/settings";
import { computeStatus, STATUS_LABEL } from "@/lib/zendesk/catalogue/status";

/**
 * The workspace's connections as the host app polls them (GET /api/integrations/zendesk/status):
 * the same status the settings page shows, and no token material of any kind.
 */
export async function statusReport(workspaceId: string, now = new Date()) {
  const { expiringSoonSeconds } = zendeskSettings();
  const rows = await listConnections(workspaceId);
  return {
    checkedAt: now.toISOString(),
    connections: rows.map((c) => {
      const { status, reason } = computeStatus(c, now, expiringSoonSeconds);
      return {
        id: c.id,
        subdomain: c.subdomain,
        status,
        statusLabel: STATUS_LABEL[status],
        reason,
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
    }),
  };
}

export type StatusReport = Awaited<ReturnType<typeof statusReport>>;
