/**
 * Extra redirect URLs a host registers on the seeded clients (`--redirect-url`,
 * `POST /__sim/redirect-urls`, `startZendeskSimulator({ redirectUrls })`), so a host app on its
 * own port can connect without writing a seed. They outlive `reset`: the state re-applies them to
 * every store it builds.
 */
import type { ZendeskStore } from "./store.js";

export interface RedirectUrlGrant {
  url: string;
  /** Client identifiers; null = every client (global and each instance's local clients). */
  clients: string[] | null;
}

/**
 * Why a URL cannot be a redirect URL, or null when it can. Zendesk compares redirect URLs as
 * exact strings, so the URL is kept as written; it only has to be http(s), without
 * credentials or fragment (RFC 6749 §3.1.2 forbids a fragment).
 */
export function redirectUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw}" is not an absolute URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `"${raw}" must be an http or https URL`;
  if (url.username !== "" || url.password !== "") return `"${raw}" must not contain credentials`;
  if (url.hash !== "" || raw.includes("#")) return `"${raw}" must not contain a fragment`;
  return null;
}

/** Client identifiers of `names` that no client of the store has. */
export function unknownClients(store: ZendeskStore, names: readonly string[]): string[] {
  return names.filter((name) => store.clientsNamed(name).length === 0);
}

/** Adds the grant's URL to its clients in the store; returns the identifiers changed. */
export function applyRedirectUrl(store: ZendeskStore, grant: RedirectUrlGrant): string[] {
  const clients =
    grant.clients === null ? store.allClients() : grant.clients.flatMap((name) => store.clientsNamed(name));
  const changed = new Set<string>();
  for (const client of clients) {
    if (!client.redirectUris.includes(grant.url)) client.redirectUris.push(grant.url);
    changed.add(client.identifier);
  }
  return [...changed];
}
