import "server-only";
import { asc, eq, sql } from "drizzle-orm";
import { db } from "@/db";
import { users, zendeskConnections, zendeskOauthClients } from "@/db/schema";

/** What the settings page may know about a connection: no ciphertext, no token material. */
export async function listConnections(workspaceId: string) {
  return db
    .select({
      id: zendeskConnections.id,
      subdomain: zendeskConnections.subdomain,
      mode: zendeskConnections.mode,
      oauthClientId: zendeskConnections.oauthClientId,
      clientIdentifier: zendeskOauthClients.identifier,
      zendeskUserId: zendeskConnections.zendeskUserId,
      zendeskUserName: zendeskConnections.zendeskUserName,
      zendeskUserEmail: zendeskConnections.zendeskUserEmail,
      zendeskUserRole: zendeskConnections.zendeskUserRole,
      requestedScopes: zendeskConnections.requestedScopes,
      grantedScopes: zendeskConnections.grantedScopes,
      accessTokenExpiresAt: zendeskConnections.accessTokenExpiresAt,
      refreshTokenExpiresAt: zendeskConnections.refreshTokenExpiresAt,
      hasRefreshToken: sql<boolean>`${zendeskConnections.refreshTokenCiphertext} is not null`.mapWith(Boolean),
      status: zendeskConnections.status,
      statusReason: zendeskConnections.statusReason,
      lastError: zendeskConnections.lastError,
      lastErrorAt: zendeskConnections.lastErrorAt,
      lastRefreshedAt: zendeskConnections.lastRefreshedAt,
      connectedAt: zendeskConnections.connectedAt,
      connectedByName: users.name,
      connectedByEmail: users.email,
    })
    .from(zendeskConnections)
    .leftJoin(users, eq(users.id, zendeskConnections.connectedByUserId))
    .leftJoin(zendeskOauthClients, eq(zendeskOauthClients.id, zendeskConnections.oauthClientId))
    .where(eq(zendeskConnections.workspaceId, workspaceId))
    .orderBy(asc(zendeskConnections.subdomain));
}

export type ConnectionRow = Awaited<ReturnType<typeof listConnections>>[number];
