import { SCOPE_CATALOGUE, type ScopePreset, SCOPE_PRESETS, validateScopes } from "./scopes.js";

/*
 * Zendesk's granular scopes (Aug 2026): an admin may restrict which scopes an OAuth client can
 * request, and a request outside that list is refused with invalid_scope. This module turns such
 * a refusal into something a person can act on: which scopes were refused and which preset to
 * try instead. Client-safe (no zod, no server imports).
 *
 * Zendesk's error_description is untrusted text that travels through a redirect: only names from
 * the scope catalogue that were actually requested ever come out of here, so nothing Zendesk (or
 * a forged callback) writes reaches the page as text.
 */

/** Where a Zendesk admin sets the allowlist, as the UI and the help page name it. */
export const SCOPE_ALLOWLIST_SETTING = "Admin Center → Apps and integrations → APIs → OAuth clients";

// Zendesk (and the simulator) quote the refused scopes as one space-separated list.
const REFUSED_PATTERN = /may not request "([^"]*)"/;

/**
 * The scopes an invalid_scope answer refused: the ones its description names (known, requested
 * names only), otherwise every requested scope, since Zendesk did not say which one it objects to.
 */
export function refusedScopes(description: string | null | undefined, requested: readonly string[]): string[] {
  const asked = canonicalKnown(requested);
  const named = typeof description === "string" ? REFUSED_PATTERN.exec(description.slice(0, 2000))?.[1] : undefined;
  if (named !== undefined) {
    const refused = named.split(/\s+/).filter((s) => asked.includes(s));
    if (refused.length > 0) return canonicalKnown(refused);
  }
  return asked;
}

/** True when the refusal named exactly which scopes Zendesk objects to (a subset of the request). */
export function refusalIsSpecific(refused: readonly string[], requested: readonly string[]): boolean {
  const asked = canonicalKnown(requested);
  return refused.length > 0 && refused.length < asked.length;
}

export type NarrowerChoice = { preset: ScopePreset } | { custom: string[] } | null;

/**
 * What to try next: the largest preset that stays within the request and asks for none of the
 * refused scopes; otherwise the request minus the refused scopes as individual scopes; null when
 * nothing would be left.
 */
export function narrowerChoice(requested: readonly string[], refused: readonly string[]): NarrowerChoice {
  const remaining = canonicalKnown(requested).filter((s) => !refused.includes(s));
  if (remaining.length === 0) return null;
  const fits = Object.values(SCOPE_PRESETS).filter(
    (p) => p.scopes.every((s) => !refused.includes(s) && isScopeGranted(remaining, s)) && p.scopes.length > 0,
  );
  const largest = fits.reduce<ScopePreset | undefined>(
    (best, p) => (!best || p.scopes.length > best.scopes.length ? p : best),
    undefined,
  );
  return largest ? { preset: largest } : { custom: remaining };
}

/** A space-separated scope list from a query string, reduced to catalogue names (at most 60). */
export function scopeListParam(value: unknown): string[] {
  if (typeof value !== "string" || value.length > 2000) return [];
  return canonicalKnown(value.split(/[\s+]+/).slice(0, 60));
}

const BY_NAME = new Map(SCOPE_CATALOGUE.map((s) => [s.name, s]));

function isKnownScope(scope: string): boolean {
  return BY_NAME.has(scope);
}

/** True when `granted` covers `scope`: Zendesk's global read/write open every resource read/write. */
function isScopeGranted(granted: readonly string[], scope: string): boolean {
  if (granted.includes(scope)) return true;
  const info = BY_NAME.get(scope);
  return info?.kind === "resource" && granted.includes(info.access);
}

/** Known scope names only, duplicates removed, in the catalogue's order. */
function canonicalKnown(scopes: readonly string[]): string[] {
  const known = scopes.filter((s) => typeof s === "string" && isKnownScope(s));
  const result = validateScopes(known);
  return result.ok ? result.scopes : [];
}
