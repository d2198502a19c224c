/*
 * @zendesk-connect/next: the server API. Plain Node.js (workers, queues, scripts, route
 * handlers): nothing here imports next/*. Configured from the environment by default
 * (DATABASE_URL or PGLITE_DIR, TOKEN_ENCRYPTION_KEYS, ZENDESK_*), or by configure().
 * The rooms behind it:
 *   connect/   the OAuth dance and client-credentials connect, disconnect
 *   tokens/    a connection's token lifecycle: the token endpoint, refresh, keep-alive
 *   transport/ subdomains, Zendesk URLs, the one HTTP client, the API calls
 *   store/     connections, OAuth clients, events and the queries the pages read
 *   catalogue/ client-safe vocabulary: scopes, statuses, error codes, help links
 *   telemetry/ the logger, spans and metrics (OpenTelemetry API only), health
 * The App Router parts are other entries: /routes (route handlers, actions), /ui (the pages);
 * /telemetry starts an OpenTelemetry SDK (a host's instrumentation.ts, the CLI) when OTEL_* is set.
 */
export * from "./public.js";
export type { ZendeskConnection } from "./db/schema.js";
export { testConnection, zendesk } from "./api-client.js";
export { HELP_TOPIC_GROUPS, OWN_CLIENT_SECTION_ID, TROUBLESHOOTING } from "./catalogue/troubleshooting.js";
export { scopePresetIdSchema, scopesSchema } from "./catalogue/scope-schemas.js";
export { validateScopes } from "./catalogue/scopes.js";
export { zendeskCspSource, zendeskSettings } from "./transport/settings.js";
export { connectWithClientCredentials } from "./connect/client-credentials.js";
export { disconnectConnection, MANUAL_REVOCATION_STEPS } from "./connect/disconnect.js";
export { prepareConnect } from "./connect/flow.js";
export { checkSubdomain, type SubdomainVerdict } from "./connect/subdomain-check.js";
export { authorizeConnectionChange } from "./store/access.js";
export { findLocalClient, type LocalClientInput, saveLocalClient } from "./store/oauth-clients.js";
export { type ConnectionSummary, HISTORY_MAX, type HistoryEntry, loadIntegrationsData } from "./store/page-data.js";
export { statusReport } from "./store/status-report.js";
export { checkCronAuthorization, formatKeepAliveSummary, refreshDueConnections } from "./tokens/keep-alive.js";
export { getAccessToken, refreshConnection } from "./tokens/lifecycle.js";
export { type Result, ZendeskError, type ZendeskFailure } from "./transport/errors.js";
export { isValidSubdomainLabel, type Subdomain, subdomainSchema } from "./transport/subdomain.js";
export { instanceUrl } from "./transport/urls.js";
export { configure, type ZendeskConnectOptions } from "./config/configure.js";
export { ConfigError } from "./config/env.js";
export { migrate } from "./db/migrate.js";
export { closeDatabase, database, type DatabaseHandle } from "./db/index.js";
export { describeDatabaseUrl } from "./db/client.js";
export { adoptExistingSchema, type LedgerOptions, type Query } from "./db/adopt-existing.js";
export type { HostMember, ZendeskHost } from "./host.js";
export { safeReturnTo } from "./return-to.js";
export { settleAfterResponse } from "./after-response.js";
export {
  type ConnectionEvent,
  type ConnectionEventListener,
  onConnectionEvent,
  type RecordedConnectionEvent,
} from "./store/events.js";
export { type KeepAliveSummary, unattributedFailures } from "./tokens/keep-alive.js";
export { formatRetentionSummary, pruneExpiredData } from "./retention.js";
export { reencryptAllSecrets, rotationReport } from "./store/rotate-keys.js";
export { deliverDueWebhooks, formatDeliveryCounts } from "./webhooks/deliver.js";
export { deliveryReport, formatDeliveryReport, sendTestWebhook } from "./webhooks/status.js";
export {
  type Bucket,
  type BucketPolicy,
  blockedGate,
  countAttempt,
  type Gate,
  isRemembered,
  rememberKey,
  resetBuckets,
  uncountAttempt,
} from "./throttle/buckets.js";
export { throttlePolicy, tooManyAttemptsMessage } from "./throttle/attempts.js";
export { errorName, logger } from "./telemetry/log.js";
export { ATTR, renewalAttributes, sanitizedUrl, SPAN, withOperationSpan } from "./telemetry/spans.js";
export {
  type KeepAliveRunSummary,
  recordKeepAliveRun,
  recordRenewal,
  recordThrottled,
  recordWebhookDelivery,
  type RenewalOutcome,
  secondsSinceLastKeepAlive,
} from "./telemetry/metrics.js";
export { keepAliveCounts, observeKeepAlive } from "./telemetry/jobs.js";
export {
  healthCheck,
  type HealthCheckOptions,
  healthResponse,
  type HealthStatus,
  ledgerIsCurrent,
  packageMigrationsCurrent,
} from "./health.js";
