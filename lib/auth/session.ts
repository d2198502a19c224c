import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import type { MembershipRole } from "@/db/schema";
import { findUser, listMemberships } from "@/lib/accounts/accounts";

export { canManageIntegrations } from "@/lib/accounts/accounts";
import { sessionUserId as sessionUserIdFrom } from "./session-cookie";

export const WORKSPACE_COOKIE = "zc_workspace";

export interface WorkspaceContext {
  user: { id: string; email: string; name: string };
  workspace: { id: string; name: string };
  role: MembershipRole;
  memberships: Awaited<ReturnType<typeof listMemberships>>;
}

/** The user id the session cookie names (verified, not yet checked against the database). */
export const sessionUserId = cache(async (): Promise<string | null> => sessionUserIdFrom(await cookies()));

/**
 * The signed-in user, their current workspace and role, or null. The role is always read
 * from the database: every permission check starts here, never in the proxy.
 */
export const currentWorkspace = cache(async (): Promise<WorkspaceContext | null> => {
  const id = await sessionUserId();
  if (!id) return null;
  // One wait for both reads: a deleted user has no memberships either, and is refused below.
  const [user, memberships] = await Promise.all([findUser(id), listMemberships(id)]);
  if (!user) return null;
  if (memberships.length === 0) return null;
  const chosen = (await cookies()).get(WORKSPACE_COOKIE)?.value;
  const current = memberships.find((m) => m.workspaceId === chosen) ?? memberships[0]!;
  return {
    user,
    workspace: { id: current.workspaceId, name: current.workspaceName },
    role: current.role,
    memberships,
  };
});

/** Like currentWorkspace, but sends a signed-out visitor to /login and back afterwards. */
export async function requireWorkspace(returnTo: string): Promise<WorkspaceContext> {
  const context = await currentWorkspace();
  if (!context) redirect(`/login?returnTo=${encodeURIComponent(returnTo)}`);
  return context;
}
