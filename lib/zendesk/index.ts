import "server-only";

/*
 * The server front door of the Zendesk module: app/ imports from here or from ./public
 * (ESLint's no-restricted-imports enforces it). The rooms behind it:
 *   connect/   the OAuth dance and client-credentials connect, disconnect
 *   tokens/    a connection's token lifecycle: the token endpoint, refresh, keep-alive
 *   transport/ subdomains, Zendesk URLs, the one HTTP client, the API calls
 *   store/     connections, OAuth clients, events and the queries the pages read
 *   catalogue/ client-safe vocabulary: scopes, statuses, error codes, help links
 */
export * from "./public";
export type { ZendeskConnection } from "@/db/schema";
export { testConnection, zendesk } from "./api-client";
export { HELP_TOPIC_GROUPS, OWN_CLIENT_SECTION_ID, TROUBLESHOOTING } from "./catalogue/troubleshooting";
export { scopePresetIdSchema, scopesSchema } from "./catalogue/scope-schemas";
export { validateScopes } from "./catalogue/scopes";
export { zendeskSettings } from "./transport/settings";
export { connectWithClientCredentials } from "./connect/client-credentials";
export { disconnectConnection, MANUAL_REVOCATION_STEPS } from "./connect/disconnect";
export {
  completeZendeskSignIn,
  handleZendeskCallback,
  intentCookie,
  prepareConnect,
  runInConnectFlow,
  SETTINGS_PATH,
} from "./connect/flow";
export { currentConnectFlow, ZENDESK_PROVIDER_ID, zendeskProvider } from "./connect/provider";
export { checkSubdomain, type SubdomainVerdict } from "./connect/subdomain-check";
export { authorizeConnectionChange } from "./store/access";
export { findLocalClient, type LocalClientInput, saveLocalClient } from "./store/oauth-clients";
export { type ConnectionSummary, HISTORY_MAX, type HistoryEntry, loadIntegrationsData } from "./store/page-data";
export { statusReport } from "./store/status-report";
export { checkCronAuthorization, formatKeepAliveSummary, refreshDueConnections } from "./tokens/keep-alive";
export { getAccessToken, refreshConnection } from "./tokens/lifecycle";
export { type Result, ZendeskError, type ZendeskFailure } from "./transport/errors";
export { isValidSubdomainLabel, type Subdomain, subdomainSchema } from "./transport/subdomain";
export { instanceUrl } from "./transport/urls";
