import "server-only";
import { and, eq } from "drizzle-orm";
import { db } from "@/db";
import { zendeskConnections } from "@/db/schema";
import type { HostMember, ZendeskHost } from "@/lib/host";

export type ConnectionAccess =
  | { ok: true; member: HostMember; connection: { id: string; workspaceId: string; subdomain: string } }
  | { ok: false; code: "not_allowed" | "not_found" };

/**
 * The permission check of every connection action: the signed-in user must be an owner or
 * admin of the workspace the connection belongs to. A crafted id of another workspace's
 * connection is indistinguishable from a missing one.
 */
export async function authorizeConnectionChange(connectionId: string, host: ZendeskHost): Promise<ConnectionAccess> {
  const member = await host.currentMember();
  if (!member?.canManageIntegrations) return { ok: false, code: "not_allowed" };
  if (!/^[0-9a-f-]{36}$/i.test(connectionId)) return { ok: false, code: "not_found" };
  const [connection] = await db
    .select({
      id: zendeskConnections.id,
      workspaceId: zendeskConnections.workspaceId,
      subdomain: zendeskConnections.subdomain,
    })
    .from(zendeskConnections)
    .where(and(eq(zendeskConnections.id, connectionId), eq(zendeskConnections.workspaceId, member.workspaceId)));
  return connection ? { ok: true, member, connection } : { ok: false, code: "not_found" };
}
