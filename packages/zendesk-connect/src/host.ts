/*
 * The host seam: everything the package needs from the product around it, and nothing more.
 * The reference app implements it over its own sign-in (lib/auth/zendesk-host.ts); another
 * product implements the same members over Clerk, its own Auth.js setup or a custom session
 * (docs/adopting.md). Workspace and user ids are opaque strings to the module.
 * Imports nothing: the package depends on this file, never on a host's code.
 */

/** The signed-in person as the module sees them, in the workspace they are acting in. */
export interface HostMember {
  userId: string;
  workspaceId: string;
  /** Whether they may change this workspace's integrations (connect, refresh, test, disconnect). */
  canManageIntegrations: boolean;
  /** Optional display name of the workspace, for the settings page and the status API. */
  workspaceName?: string;
}

export interface ZendeskHost {
  /** Who is signed in and in which workspace, read fresh for this request; null when signed out. */
  currentMember(): Promise<HostMember | null>;
  /**
   * Whether a user may still manage a workspace's integrations, read from the host's own
   * store: flows that outlive a request (the OAuth round trip) re-check it on return.
   */
  canManage(userId: string, workspaceId: string): Promise<boolean>;
  /** Where to send a signed-out visitor so they come back to `returnTo` after signing in. */
  signInPath(returnTo: string): string;
  /**
   * Optional: display names of the host's users, for "connected by" and the history. Without
   * it the settings page shows no names. Called once per page with every id it needs.
   */
  userNames?(userIds: string[]): Promise<Map<string, { name: string; email: string | null }>>;
}
