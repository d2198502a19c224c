import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import type { MembershipRole } from "@/db/schema";
import { findUser, listMemberships } from "@/lib/accounts/accounts";

export { canManageIntegrations } from "@/lib/accounts/accounts";
import { auth } from "./auth";

export const WORKSPACE_COOKIE = "zc_workspace";

export interface WorkspaceContext {
  user: { id: string; email: string; name: string };
  workspace: { id: string; name: string };
  role: MembershipRole;
  memberships: Awaited<ReturnType<typeof listMemberships>>;
}

/** The signed-in user, re-read from the database (a deleted user's cookie is worthless). */
export const currentUser = cache(async () => {
  const session = await auth();
  const id = session?.user?.id;
  return id ? findUser(id) : null;
});

/**
 * The signed-in user, their current workspace and role, or null. The role is always read
 * from the database: every permission check starts here, never in the proxy.
 */
export const currentWorkspace = cache(async (): Promise<WorkspaceContext | null> => {
  const user = await currentUser();
  if (!user) return null;
  const memberships = await listMemberships(user.id);
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
