import "server-only";
import { and, eq } from "drizzle-orm";
import { db } from "@/db";
import { zendeskConnections } from "@/db/schema";
import { canManageIntegrations, currentWorkspace, type WorkspaceContext } from "@/lib/auth/session";

export type ConnectionAccess =
  | { ok: true; context: WorkspaceContext; connection: { id: string; workspaceId: string; subdomain: string } }
  | { ok: false; code: "not_allowed" | "not_found" };

/**
 * The permission check of every connection action: the signed-in user must be an owner or
 * admin of the workspace the connection belongs to. A crafted id of another workspace's
 * connection is indistinguishable from a missing one.
 */
export async function authorizeConnectionChange(connectionId: string): Promise<ConnectionAccess> {
  const context = await currentWorkspace();
  if (!context) return { ok: false, code: "not_allowed" };
  if (!canManageIntegrations(context.role)) return { ok: false, code: "not_allowed" };
  if (!/^[0-9a-f-]{36}$/i.test(connectionId)) return { ok: false, code: "not_found" };
  const [connection] = await db
    .select({
      id: zendeskConnections.id,
      workspaceId: zendeskConnections.workspaceId,
      subdomain: zendeskConnections.subdomain,
    })
    .from(zendeskConnections)
    .where(and(eq(zendeskConnections.id, connectionId), eq(zendeskConnections.workspaceId, context.workspace.id)));
  return connection ? { ok: true, context, connection } : { ok: false, code: "not_found" };
}
