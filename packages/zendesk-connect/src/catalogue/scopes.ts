// No zod here: the connect form (a client component) imports this catalogue, and zod would
// ride along into the browser. The form schemas live in scope-schemas.ts.

/*
 * Zendesk does not reject unknown scope names: it issues a token that is then forbidden on
 * every call. Security/usability invariant: only names from this catalogue are ever sent in a
 * `scope` parameter, and always in one canonical order, so the same request reads the same way
 * in logs, in the database and in Zendesk's consent screen.
 */

type Access = "read" | "write";

interface ResourceDef {
  readonly resource: string;
  readonly read?: string;
  readonly write?: string;
}

// Order here is the canonical order: global scopes first, then resources as Zendesk lists them.
const GLOBAL_SCOPES = [
  { name: "read", description: "See everything your Zendesk role can see (all read-only endpoints)" },
  { name: "write", description: "Create, change and delete anything your Zendesk role allows" },
  { name: "impersonate", description: "Act on behalf of end users (admins only)" },
] as const;

const RESOURCES: readonly ResourceDef[] = [
  {
    resource: "tickets",
    read: "See tickets, their comments and fields",
    write: "Create, update and delete tickets and add comments",
  },
  { resource: "users", read: "See users and their profiles", write: "Create, update and delete users" },
  { resource: "auditlogs", read: "See the account's audit log" },
  { resource: "organizations", read: "See organizations", write: "Create, update and delete organizations" },
  {
    resource: "hc",
    read: "See Help Center articles, sections and categories",
    write: "Create, edit and delete Help Center content",
  },
  { resource: "apps", read: "See installed Zendesk apps", write: "Install, configure and remove Zendesk apps" },
  { resource: "triggers", read: "See ticket triggers", write: "Create, change and delete ticket triggers" },
  { resource: "automations", read: "See automations", write: "Create, change and delete automations" },
  { resource: "targets", read: "See targets (outbound notifications)", write: "Create, change and delete targets" },
  { resource: "webhooks", read: "See webhooks", write: "Create, change and delete webhooks" },
  { resource: "macros", read: "See macros", write: "Create, change and delete macros" },
  {
    resource: "requests",
    read: "See tickets as their requesters see them",
    write: "Create and update requests as an end user",
  },
  {
    resource: "satisfaction_ratings",
    read: "See customer satisfaction ratings",
    write: "Create customer satisfaction ratings",
  },
  {
    resource: "dynamic_content",
    read: "See dynamic content items",
    write: "Create, change and delete dynamic content items",
  },
  { resource: "any_channel", write: "Send messages into Zendesk through channel integrations" },
  { resource: "web_widget", write: "Use the Web Widget on behalf of users" },
  {
    resource: "zis",
    read: "See Zendesk Integration Services (ZIS) integrations",
    write: "Create and change ZIS integrations",
  },
];

export interface ScopeInfo {
  readonly name: string;
  readonly description: string;
  readonly kind: "global" | "resource";
  /** For resource scopes, the resource ("tickets"); undefined for global scopes. */
  readonly resource?: string;
  readonly access: Access | "impersonate";
}

/** Every scope Zendesk documents, in canonical order. */
export const SCOPE_CATALOGUE: readonly ScopeInfo[] = Object.freeze([
  ...GLOBAL_SCOPES.map((s): ScopeInfo => ({
    name: s.name,
    description: s.description,
    kind: "global",
    access: s.name === "impersonate" ? "impersonate" : s.name,
  })),
  ...RESOURCES.flatMap((r): ScopeInfo[] => [
    ...(r.read
      ? [
          {
            name: `${r.resource}:read`,
            description: r.read,
            kind: "resource" as const,
            resource: r.resource,
            access: "read" as const,
          },
        ]
      : []),
    ...(r.write
      ? [
          {
            name: `${r.resource}:write`,
            description: r.write,
            kind: "resource" as const,
            resource: r.resource,
            access: "write" as const,
          },
        ]
      : []),
  ]),
]);

const BY_NAME: ReadonlyMap<string, { info: ScopeInfo; rank: number }> = new Map(
  SCOPE_CATALOGUE.map((info, rank) => [info.name, { info, rank }]),
);

export const SCOPE_PRESET_IDS = ["tickets-read", "tickets-users-read", "tickets-read-write", "full"] as const;
export type ScopePresetId = (typeof SCOPE_PRESET_IDS)[number];

export interface ScopePreset {
  readonly id: ScopePresetId;
  readonly label: string;
  readonly description: string;
  readonly scopes: readonly string[];
}

/** The presets offered in the connect form; the first is least privilege. */
export const SCOPE_PRESETS: Readonly<Record<ScopePresetId, ScopePreset>> = Object.freeze({
  // For clients whose Zendesk admin allows tickets:read alone (granular scopes, Aug 2026).
  "tickets-read": {
    id: "tickets-read",
    label: "Read tickets only",
    description: "See tickets and their comments, but not user profiles. Nothing can be changed.",
    scopes: Object.freeze(["tickets:read"]),
  },
  "tickets-users-read": {
    id: "tickets-users-read",
    label: "Read tickets and users",
    description: "See tickets, their comments and the people on them. Nothing can be changed. Recommended.",
    scopes: Object.freeze(["tickets:read", "users:read"]),
  },
  "tickets-read-write": {
    id: "tickets-read-write",
    label: "Read and write tickets",
    description: "See and update tickets and add comments, and see the people on them.",
    scopes: Object.freeze(["tickets:read", "tickets:write", "users:read"]),
  },
  full: {
    id: "full",
    label: "Full read and write access",
    description: "See and change everything the connecting user's Zendesk role allows. Use only if you need it.",
    scopes: Object.freeze(["read", "write"]),
  },
});

/** Id of the least-privilege default preset. */
export const DEFAULT_PRESET_ID: ScopePresetId = "tickets-users-read";

/** True when the value names a preset. */
export function isScopePresetId(value: unknown): value is ScopePresetId {
  return typeof value === "string" && (SCOPE_PRESET_IDS as readonly string[]).includes(value);
}

/** The preset whose scopes are exactly these (in any order), if any: lets the UI show a label for a connection. */
export function presetForScopes(scopes: readonly string[]): ScopePreset | undefined {
  const key = canonical(scopes).join(" ");
  return Object.values(SCOPE_PRESETS).find((p) => canonical(p.scopes).join(" ") === key);
}

/** Plain-language description of a scope; unknown names are called out as such. */
export function describeScope(scope: string): string {
  return BY_NAME.get(scope)?.info.description ?? `Unrecognised scope "${printable(scope)}"`;
}

export type ScopesResult = { ok: true; scopes: string[] } | { ok: false; error: string; unknown: string[] };

/** Validates requested scopes: refuses unknown names and empty lists; removes duplicates; canonical order. */
export function validateScopes(scopes: readonly string[]): ScopesResult {
  if (!Array.isArray(scopes)) return { ok: false, error: "Scopes must be a list of scope names.", unknown: [] };
  // No trimming or case-folding: "Tickets:Read" is not a scope, and guessing would hide a typo.
  const unknown = [...new Set(scopes.filter((s) => typeof s !== "string" || !BY_NAME.has(s)).map((s) => String(s)))];
  if (unknown.length > 0) {
    const shown = unknown
      .slice(0, 5)
      .map((s) => `"${printable(s)}"`)
      .join(", ");
    const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : "";
    return {
      ok: false,
      error: `Unknown Zendesk scope${unknown.length === 1 ? "" : "s"}: ${shown}${more}. Zendesk would issue a token that cannot use ${unknown.length === 1 ? "it" : "them"}; use names such as tickets:read or read.`,
      unknown,
    };
  }
  if (scopes.length === 0) return { ok: false, error: "Choose at least one scope.", unknown: [] };
  return { ok: true, scopes: canonical(scopes) };
}

/** Splits a space-separated scope string (as in OAuth `scope`) into names; does not validate. */
export function parseScopeString(s: string): string[] {
  if (typeof s !== "string") return [];
  return s.split(/\s+/).filter((part) => part !== "");
}

/** Joins validated scopes into the space-separated `scope` parameter, in canonical order. */
export function formatScopes(scopes: readonly string[]): string {
  const result = validateScopes(scopes);
  if (!result.ok) throw new Error(result.error);
  return result.scopes.join(" ");
}

/** Literal difference by name, canonical order: requested but not granted, and granted but not requested. */
export function diffScopes(
  requested: readonly string[],
  granted: readonly string[],
): { missing: string[]; extra: string[] } {
  // Deliberately by name, not by coverage: Zendesk reports scopes by name, and a change from
  // tickets:read to read is worth calling out.
  const missing = canonical(requested.filter((s) => !granted.includes(s)));
  const extra = canonical(granted.filter((s) => !requested.includes(s)));
  return { missing, extra };
}

// Known names in catalogue order, then unknown ones in first-seen order; duplicates removed.
function canonical(scopes: readonly string[]): string[] {
  const unique = [...new Set(scopes)];
  const known = unique.filter((s) => BY_NAME.has(s)).sort((a, b) => rankOf(a) - rankOf(b));
  return [...known, ...unique.filter((s) => !BY_NAME.has(s))];
}

// Scope names can come from a form or a token response: keep messages one short printable line.
function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

function rankOf(scope: string): number {
  return BY_NAME.get(scope)?.rank ?? Number.MAX_SAFE_INTEGER;
}
