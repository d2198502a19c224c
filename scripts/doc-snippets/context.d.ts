// What the documentation's TypeScript blocks leave to the reader's own code (a script file:
// its declarations are global, its modules ambient).
declare module "@/lib/zendesk-connect" {
  export const zendeskConnect: import("@zendesk-connect/next/routes").ZendeskConnect;
}

/** A connection id the host stored or received from an event. */
declare const connectionId: string;
/** The host's own session reader and role check (docs/adopting.md). */
declare function getYourSession(): Promise<{ userId: number; teamId: number; teamName: string; role: string } | null>;
declare function yourRoleCheck(userId: string, workspaceId: string): Promise<boolean>;
declare function showMessage(code: string): void;
declare function listWorkspaceAdmins(workspaceId: string): Promise<{ email: string }[]>;
declare function sendEmail(message: { to: string[]; subject: string; text: string }): Promise<void>;
