import { fetchTokenInfo, fetchZendeskUser, revokeCurrentToken, revokeZendeskToken } from "../transport/api.js";
import { ZendeskError } from "../transport/errors.js";
import type { Subdomain } from "../transport/subdomain.js";

/*
 * The one way this package revokes an access token at Zendesk (disconnect, a replaced grant, a
 * replaced client-credentials token, a renewal's pair nobody may store). Zendesk's answers prove
 * little on their own: DELETE tokens/current.json answers 204 whether or not it revoked, and a
 * DELETE by id answers 404 for an id it does not know (a stale or wrong id), which revokes nothing.
 * So only a 204 to a DELETE by id, or an API call refused with 401 afterwards, counts as revoked.
 */

/** How the token was revoked: by its id, or by DELETE tokens/current.json and a check that it is dead. */
export type RevocationMethod = "by_id" | "current_json" | "by_id_after_current_json";

export type Revocation =
  /** Zendesk confirmed the token is gone. */
  | { status: "revoked"; method: RevocationMethod }
  /** Zendesk had already refused the connection's tokens: nothing left to revoke. */
  | { status: "not_needed"; reason: string }
  /** The connection was removed here, but Zendesk may still accept its token. */
  | { status: "failed"; reason: string };

/** The outcome for one access token: "dead" when Zendesk already refused it (its refresh token may live on). */
export type AccessTokenRevocation = Exclude<Revocation, { status: "not_needed" }> | { status: "dead" };

/**
 * Revokes one access token: by `tokenId` when known, else DELETE tokens/current.json; then, unless a
 * DELETE by id answered 204, one API call checks that Zendesk refuses it; a token still alive is
 * looked up (current.json) and revoked by its own id.
 */
export async function revokeAccessToken(
  subdomain: Subdomain,
  accessToken: string,
  tokenId: string | null,
): Promise<AccessTokenRevocation> {
  let triedId: string | null = null;
  try {
    if (tokenId) {
      triedId = tokenId;
      if ((await revokeZendeskToken(subdomain, accessToken, tokenId)) === "deleted")
        return { status: "revoked", method: "by_id" };
      // 404: Zendesk knows no token by that id; find out below whether this one still works.
    } else {
      await revokeCurrentToken(subdomain, accessToken);
    }
  } catch (error) {
    if (!(error instanceof ZendeskError)) throw error;
    if (error.failure?.kind === "invalid_token") return { status: "dead" };
    // DELETE current.json may be missing (404) or refused (403): the check below decides.
    if (tokenId || !(error.failure?.kind === "not_found" || error.failure?.kind === "forbidden"))
      return failed(`Zendesk did not confirm the revocation: ${error.message}`);
  }
  try {
    await fetchZendeskUser(subdomain, accessToken);
  } catch (error) {
    if (!(error instanceof ZendeskError)) throw error;
    if (error.failure?.kind === "invalid_token")
      return triedId ? { status: "dead" } : { status: "revoked", method: "current_json" };
    return failed(`The revocation could not be verified: ${error.message}`);
  }
  // Still alive: ask for its id and revoke by id.
  try {
    const info = await fetchTokenInfo(subdomain, accessToken);
    if (info.id === triedId || (await revokeZendeskToken(subdomain, accessToken, info.id)) !== "deleted")
      return failed("Zendesk answered the revocation but the token still works, and it was not deleted by its id");
    return { status: "revoked", method: "by_id_after_current_json" };
  } catch (error) {
    if (!(error instanceof ZendeskError)) throw error;
    return failed(
      `Zendesk answered the revocation but the token still works, and it could not be revoked by id: ${error.message}`,
    );
  }
}

function failed(reason: string): AccessTokenRevocation {
  return { status: "failed", reason: reason.endsWith(".") ? reason : `${reason}.` };
}
