/** Zendesk scope names, for the consent page. Unknown names are kept, never rejected. */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  read: "Read all data (GET endpoints and sideloads)",
  write: "Create, update and delete data",
  impersonate: "Act on behalf of end users",
};

const RESOURCE_LABELS: Record<string, string> = {
  tickets: "tickets",
  users: "users",
  auditlogs: "audit logs",
  organizations: "organizations",
  hc: "Help Center",
  apps: "apps",
  triggers: "triggers",
  automations: "automations",
  targets: "targets",
  webhooks: "webhooks",
  macros: "macros",
  requests: "requests",
  satisfaction_ratings: "satisfaction ratings",
  dynamic_content: "dynamic content",
  any_channel: "Channel framework",
  web_widget: "Web Widget",
  zis: "integration services",
};

export type Access = "read" | "write";

/** Splits a space-separated scope string, dropping empties and duplicates. */
export function parseScope(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return [...new Set(raw.split(/\s+/).filter((scope) => scope !== ""))];
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(" ");
}

/** Zendesk's rule: GET needs `read` or `{resource}:read`; writes need `write` or `{resource}:write`. */
export function scopeAllows(scopes: readonly string[], resource: string, access: Access): boolean {
  return scopes.includes(access) || scopes.includes(`${resource}:${access}`);
}

export function isSubset(requested: readonly string[], granted: readonly string[]): boolean {
  return requested.every((scope) => granted.includes(scope));
}

/** The requested scopes an allowlist refuses (none when there is no allowlist). */
export function refusedScopes(requested: readonly string[], allowed: readonly string[] | null): string[] {
  return allowed === null ? [] : requested.filter((scope) => !allowed.includes(scope));
}

export function describeScope(scope: string): { label: string; known: boolean } {
  const fixed = SCOPE_DESCRIPTIONS[scope];
  if (fixed !== undefined) return { label: fixed, known: true };
  const [resource, access, extra] = scope.split(":");
  const resourceLabel = resource === undefined ? undefined : RESOURCE_LABELS[resource];
  if (resourceLabel !== undefined && extra === undefined && (access === "read" || access === "write")) {
    return { label: `${access === "read" ? "Read" : "Write"} ${resourceLabel}`, known: true };
  }
  return { label: "Unrecognised scope: Zendesk accepts it, but no API call will be allowed by it", known: false };
}
