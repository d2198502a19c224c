import { asc, desc, eq, sql } from "drizzle-orm";
import { db } from "../db/index.js";
import { zendeskConnections, zendeskOauthClients } from "../db/schema.js";

/**
 * What the settings page may know about a connection: no ciphertext, no token material.
 * With `page`, one page of them, those that need attention first, each row carrying the
 * totals (window functions, so paging costs no extra query).
 */
export async function listConnections(workspaceId: string, page?: { limit: number; offset: number }) {
  const query = db
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
      connectedByUserId: zendeskConnections.connectedByUserId,
      total: sql<number>`count(*) over ()`.mapWith(Number),
      troubled: sql<number>`count(*) filter (where ${zendeskConnections.status} <> 'active') over ()`.mapWith(Number),
    })
    .from(zendeskConnections)
    .leftJoin(zendeskOauthClients, eq(zendeskOauthClients.id, zendeskConnections.oauthClientId))
    .where(eq(zendeskConnections.workspaceId, workspaceId))
    .$dynamic();
  if (!page) return query.orderBy(asc(zendeskConnections.subdomain));
  return query
    .orderBy(desc(sql`${zendeskConnections.status} <> 'active'`), asc(zendeskConnections.subdomain))
    .limit(page.limit)
    .offset(page.offset);
}

export type ConnectionRow = Awaited<ReturnType<typeof listConnections>>[number];
