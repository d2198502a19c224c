import type { ZendeskConnectIntent } from "../db/schema.js";
import { refusedScopes } from "../catalogue/scope-allowlist.js";
import { validateScopes } from "../catalogue/scopes.js";

/**
 * The query an invalid_scope refusal carries back to the settings page: the refused and the
 * requested scopes (catalogue names only: Zendesk's description is never passed on as text) and
 * which kind of client was used, so the page can offer the same connect with a narrower preset.
 */
export function scopeRefusalQuery(
  intent: Pick<ZendeskConnectIntent, "scopes" | "oauthClientId" | "pendingClientIdentifier">,
  description: string | null | undefined,
): Record<string, string> {
  const requested = validateScopes(intent.scopes.filter((s) => typeof s === "string"));
  const asked = requested.ok ? requested.scopes : [];
  return {
    refused: refusedScopes(description, asked).join(" "),
    requested: asked.join(" "),
    // A client entered in the form is kept with the intent until Zendesk accepts it: still "local".
    client: intent.oauthClientId || intent.pendingClientIdentifier ? "local" : "global",
  };
}
