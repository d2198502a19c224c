import { createZendeskConnect } from "@zendesk-connect/next/routes";
import { currentUser } from "./session";
import { findUser, TEAMS } from "./users";

/** Zendesk Connect, wired to this app's own session and team roles (the host seam). */
export const zendeskConnect = createZendeskConnect({
  host: {
    async currentMember() {
      const user = await currentUser();
      if (!user) return null;
      return {
        userId: String(user.id),
        workspaceId: String(user.teamId),
        canManageIntegrations: user.role === "admin",
        workspaceName: TEAMS[user.teamId],
      };
    },
    async canManage(userId, workspaceId) {
      const user = findUser(Number(userId));
      return user?.role === "admin" && String(user.teamId) === workspaceId;
    },
    signInPath: (returnTo) => `/login?next=${encodeURIComponent(returnTo)}`,
    async userNames(userIds) {
      const users = userIds.flatMap((id) => findUser(Number(id)) ?? []);
      return new Map(users.map((u) => [String(u.id), { name: u.name, email: u.email }]));
    },
  },
});
