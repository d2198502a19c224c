import { and, eq } from "drizzle-orm";
import { db } from "../db/index.js";
import { type ZendeskConnection, zendeskConnections } from "../db/schema.js";
import type { HostMember } from "../host.js";

export type ConnectionAccess =
  { ok: true; member: HostMember; connection: ZendeskConnection } | { ok: false; code: "not_allowed" | "not_found" };

/**
 * The permission check of every connection action: the member the host resolved for this
 * request must manage the workspace the connection belongs to. A crafted id of another
 * workspace's connection is indistinguishable from a missing one. The row is read once, here,
 * and handed to the action (refresh, test, disconnect) so nothing reads it again.
 */
export async function authorizeConnectionChange(
  connectionId: string,
  member: HostMember | null,
): Promise<ConnectionAccess> {
  if (!member?.canManageIntegrations) return { ok: false, code: "not_allowed" };
  if (!/^[0-9a-f-]{36}$/i.test(connectionId)) return { ok: false, code: "not_found" };
  const [connection] = await db
    .select()
    .from(zendeskConnections)
    .where(and(eq(zendeskConnections.id, connectionId), eq(zendeskConnections.workspaceId, member.workspaceId)));
  return connection ? { ok: true, member, connection } : { ok: false, code: "not_found" };
}
