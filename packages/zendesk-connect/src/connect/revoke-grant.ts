import { ZendeskError } from "../transport/errors.js";
import type { Subdomain } from "../transport/subdomain.js";
import type { ZendeskClientCredentials } from "../store/oauth-clients.js";
import { recordConnectionEvent } from "../store/events.js";
import { requestToken } from "../tokens/endpoint.js";
import { revokeAccessToken, type Revocation } from "../tokens/revoke.js";
import { errorName, logger } from "../telemetry/log.js";

/** A grant to end at Zendesk: the tokens as this app holds them. */
export interface GrantToRevoke {
  accessToken: string | null;
  refreshToken: string | null;
  /** Zendesk's id of the access token, when current.json told us. */
  zendeskTokenId: string | null;
  /** The client it was issued to: renews a dead access token so the grant can still be ended. */
  client: ZendeskClientCredentials | null;
}

/**
 * Ends a grant at Zendesk, best effort, and says exactly what happened. By the token's id when
 * known; else DELETE tokens/current.json with the token itself plus one API call to verify (that
 * DELETE answers 204 whether or not it revoked). An access token Zendesk no longer accepts
 * leaves the refresh token: renewed once, its fresh access token is revoked the same way; a
 * refused refresh means the grant is already over.
 */
export async function revokeGrant(subdomain: Subdomain, grant: GrantToRevoke): Promise<Revocation> {
  if (!grant.accessToken) return failed("the stored token could not be read (its encryption key is gone).");
  const first = await revokeAccessToken(subdomain, grant.accessToken, grant.zendeskTokenId);
  if (first.status !== "dead") return first;
  if (!grant.refreshToken || !grant.client)
    return { status: "not_needed", reason: "Zendesk had already stopped accepting its token." };
  let renewed: string;
  try {
    renewed = (
      await requestToken(subdomain, grant.client, { grant_type: "refresh_token", refresh_token: grant.refreshToken })
    ).access_token;
  } catch (error) {
    if (!(error instanceof ZendeskError)) throw error;
    if (error.failure?.kind === "oauth" && error.failure.error === "invalid_grant")
      return { status: "not_needed", reason: "Zendesk had already ended the grant (its refresh token is refused)." };
    return failed(`renewing it to revoke it failed: ${error.message}.`);
  }
  const second = await revokeAccessToken(subdomain, renewed, null);
  return second.status === "dead" ? { status: "revoked", method: "current_json" } : second;
}

function failed(reason: string): Revocation {
  return { status: "failed", reason: reason.charAt(0).toUpperCase() + reason.slice(1) };
}

/**
 * After a reconnect committed: ends the grant it replaced and records the outcome in the
 * connection's history (grant_replaced: revoked / not needed; revocation_failed: failed).
 */
export async function revokeReplacedGrant(
  connection: { id: string; workspaceId: string; subdomain: Subdomain; actorUserId: string | null },
  grant: GrantToRevoke,
): Promise<Revocation> {
  const revocation = await revokeGrant(connection.subdomain, grant);
  const base = {
    connectionId: connection.id,
    workspaceId: connection.workspaceId,
    subdomain: connection.subdomain,
    actorUserId: connection.actorUserId,
    data: { revocation: revocation.status, replacedGrant: true },
  };
  try {
    await recordConnectionEvent(
      revocation.status === "failed"
        ? {
            ...base,
            type: "revocation_failed",
            detail: `The grant this reconnect replaced could not be revoked: ${revocation.reason} It stays valid in Zendesk until it expires; this app no longer holds it.`,
          }
        : {
            ...base,
            type: "grant_replaced",
            detail:
              revocation.status === "revoked"
                ? "The grant this reconnect replaced was revoked in Zendesk"
                : `The grant this reconnect replaced needed no revocation: ${revocation.reason}`,
          },
    );
  } catch (error) {
    // The connection may have been disconnected meanwhile; the revocation itself happened.
    logger.error({ err_name: errorName(error) }, "recording the replaced grant's revocation failed");
  }
  return revocation;
}
