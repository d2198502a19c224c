/*
 * The client-safe front door of the Zendesk module: the vocabulary a browser component may
 * need (scope catalogue, help links, status labels, error codes). Nothing here touches secrets,
 * the database or the network. Server code imports lib/zendesk/index.ts, which re-exports this.
 */
export {
  describeError,
  ERROR_CATALOGUE,
  errorSummary,
  type ErrorDescription,
  isZendeskErrorCode,
  unknownSubdomainMessage,
  type ZendeskErrorCode,
} from "./catalogue/error-codes.js";
export { EXTRA_TOPICS, HELP_TOPICS, type HelpTopic, helpHref, isHelpTopic } from "./catalogue/help-links.js";
export {
  DEFAULT_PRESET_ID,
  describeScope,
  diffScopes,
  isScopePresetId,
  presetForScopes,
  SCOPE_CATALOGUE,
  SCOPE_PRESET_IDS,
  SCOPE_PRESETS,
  type ScopePresetId,
} from "./catalogue/scopes.js";
export { computeStatus, type DisplayStatus, STATUS_LABEL } from "./catalogue/status.js";
export { narrowerChoice, refusedScopes, SCOPE_ALLOWLIST_SETTING, scopeListParam } from "./catalogue/scope-allowlist.js";
export {
  isPermissionsReduced,
  PERMISSIONS_REDUCED_LABEL,
  PERMISSIONS_REDUCED_REASON,
} from "./catalogue/permissions-reduced.js";
export { type NonExpiringNotice, nonExpiringNotice } from "./catalogue/non-expiring.js";
