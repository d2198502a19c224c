/** The OAuth client a flow or a connection uses: the operator's global client or a workspace's own. */
export interface ZendeskClientCredentials {
  source: "global" | "local";
  /** Row id of a workspace's local client; null for the global client. */
  oauthClientId: string | null;
  /** Zendesk's "Unique Identifier" (client_id). */
  identifier: string;
  kind: "confidential" | "public";
  /** Absent for public clients. */
  secret?: string;
}
