import { and, eq } from "drizzle-orm";
import { db } from "../db/index.js";
import { type ZendeskConnection, zendeskConnections } from "../db/schema.js";
import { fetchTokenInfo, type ZendeskTokenInfo } from "../transport/api.js";
import { type ConnectionEvent, recordConnectionEvent } from "../store/events.js";
import { openAccessToken } from "../store/sealed.js";
import { ZendeskError } from "../transport/errors.js";
import { releaseLease } from "./lease.js";
import { localFailureOf, type RenewRequest } from "./policy.js";
import { type AccessTokenRevocation, revokeAccessToken } from "./revoke.js";
import type { TokenResponse } from "./endpoint.js";
import { logger } from "../telemetry/log.js";

/*
 * What follows a renewal, after its commit and off the caller's wait: current.json refines the
 * stored metadata, a replaced client-credentials token is revoked, and a pair nobody may store (the
 * grant was replaced or ended while Zendesk answered) is revoked and recorded.
 */

/**
 * After the commit, best effort: current.json names the new token (for revocation by id) and fills
 * an expiry the answer left out; a replaced client-credentials token is revoked. A crash here costs
 * nothing but metadata.
 */
export async function followUp(
  before: ZendeskConnection,
  stored: ZendeskConnection,
  response: TokenResponse,
): Promise<void> {
  if (before.mode === "client_credentials" && before.zendeskTokenId) await revokeReplacedToken(before);
  let info: ZendeskTokenInfo;
  try {
    info = await fetchTokenInfo(stored.subdomain, response.access_token);
  } catch (error) {
    if (error instanceof ZendeskError) return;
    throw error;
  }
  await db
    .update(zendeskConnections)
    .set({
      zendeskTokenId: info.id,
      accessTokenExpiresAt: stored.accessTokenExpiresAt ?? info.expiresAt,
      refreshTokenExpiresAt:
        stored.mode === "client_credentials" ? null : (stored.refreshTokenExpiresAt ?? info.refreshTokenExpiresAt),
    })
    .where(and(eq(zendeskConnections.id, stored.id), eq(zendeskConnections.tokenVersion, stored.tokenVersion)));
}

/**
 * A client_credentials grant issues a new token and leaves the previous one valid until it
 * expires (unlike a refresh, which rotates). Revoke the one we replaced so live tokens never
 * pile up; best effort, by its own bearer (a token may always revoke itself).
 */
export async function revokeReplacedToken(row: ZendeskConnection): Promise<void> {
  let outcome: AccessTokenRevocation;
  try {
    outcome = await revokeAccessToken(row.subdomain, openAccessToken(row), row.zendeskTokenId);
  } catch (error) {
    if (!(error instanceof ZendeskError) && !localFailureOf(error, row)) throw error;
    outcome = { status: "failed", reason: "the stored token could not be read" };
  }
  if (outcome.status === "failed")
    logger.warn(
      { connectionId: row.id, subdomain: row.subdomain, reason: outcome.reason },
      "the replaced client-credentials token was not revoked; it expires by itself",
    );
}

/**
 * A renewal whose grant was replaced (reconnect) or ended (disconnect) while Zendesk answered: the
 * rotated pair it holds is live at Zendesk and nobody else has it. Revoke it, release our lease, and
 * say so in the history (kept after a disconnect deleted the row: connection_id null).
 */
export async function dropSupersededPair(
  request: RenewRequest,
  holder: string,
  row: ZendeskConnection,
  current: ZendeskConnection | undefined,
  accessToken: string,
): Promise<void> {
  const revocation = await revokeAccessToken(row.subdomain, accessToken, null);
  if (current && request.release) await releaseLease(row.id, holder);
  const why = !current
    ? "the connection was disconnected"
    : current.tokenVersion !== row.tokenVersion
      ? "the connection was reconnected (or renewed elsewhere)"
      : "a disconnect was under way";
  const base = {
    connectionId: current ? row.id : null,
    workspaceId: row.workspaceId,
    subdomain: row.subdomain,
    actorUserId: request.actorUserId,
    data: {
      supersededRenewal: true,
      trigger: request.trigger,
      revocation: revocation.status === "failed" ? "failed" : "revoked",
    },
  };
  const event: ConnectionEvent =
    revocation.status === "failed"
      ? {
          ...base,
          type: "revocation_failed",
          detail: `A renewal finished after ${why}; the pair it received could not be revoked: ${revocation.reason} It stays valid in Zendesk until it expires; this app does not hold it.`,
        }
      : {
          ...base,
          type: "grant_replaced",
          detail: `A renewal finished after ${why}; the pair it received was revoked in Zendesk`,
        };
  await recordConnectionEvent(event);
}
