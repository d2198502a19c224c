import "server-only";
import type { ZendeskHost } from "@zendesk-connect/next";
import { userCanManage, userNames } from "@/lib/accounts/accounts";
import { canManageIntegrations, currentWorkspace } from "./session";

/** This app's implementation of the host seam: its own email-and-password sign-in and workspaces. */
export const appZendeskHost: ZendeskHost = {
  async currentMember() {
    const context = await currentWorkspace();
    if (!context) return null;
    return {
      userId: context.user.id,
      workspaceId: context.workspace.id,
      canManageIntegrations: canManageIntegrations(context.role),
      workspaceName: context.workspace.name,
    };
  },
  canManage: userCanManage,
  signInPath: (returnTo) => `/login?returnTo=${encodeURIComponent(returnTo)}`,
  userNames,
};
