import { eq } from "drizzle-orm";
import { db } from "../db/index.js";
import { type ZendeskConnection, zendeskConnections } from "../db/schema.js";
import { openAccessToken } from "../store/sealed.js";
import { revokeAccessToken, type Revocation } from "../tokens/revoke.js";
import { type ConnectionEvent, insertConnectionEvent, notifyConnectionListeners } from "../store/events.js";
import { ZendeskError } from "../transport/errors.js";
import { zendeskSettings } from "../transport/settings.js";
import { accessTokenDue, claimConnection, newLeaseHolder, releaseLease, renewUnderClaim } from "../tokens/lifecycle.js";
import { ATTR, SPAN, withOperationSpan } from "../telemetry/spans.js";
import { localFailureOf } from "../tokens/policy.js";

/** Where an admin revokes by hand when we could not (kept in one place for the UI and docs). */
export const MANUAL_REVOCATION_STEPS =
  "Ask a Zendesk admin to list the OAuth tokens (GET /api/v2/oauth/tokens.json) and revoke this one with DELETE /api/v2/oauth/tokens/{id}.json. " +
  "Until then it stays valid only until it expires; this app no longer holds it.";

export type { Revocation, RevocationMethod } from "../tokens/revoke.js";

export type DisconnectResult =
  | { ok: true; subdomain: string; tokenId: string | null; revocation: Revocation }
  | { ok: false; code: "connection_not_found" | "refresh_in_progress"; message: string };

/**
 * Disconnects under the row's claim: takes the connection's lease (waiting briefly for a refresh in
 * flight), so no refresh can rotate the pair while it is revoked; renews an expired access token
 * once under that claim; revokes the pair current at that moment; then deletes the connection and
 * its stored tokens, with the history, in one transaction. A failed revocation never keeps the
 * connection: it is removed locally, recorded, and the caller tells the admin how to finish.
 */
export async function disconnectConnection(
  connectionId: string,
  actorUserId: string | null,
): Promise<DisconnectResult> {
  return withOperationSpan(SPAN.disconnect, { [ATTR.connectionId]: connectionId }, async (span) => {
    const result = await disconnect(connectionId, actorUserId);
    if (result.ok)
      span.setAttributes({
        [ATTR.subdomain]: result.subdomain,
        [ATTR.outcome]: `revocation_${result.revocation.status}`,
      });
    else span.setAttribute(ATTR.outcome, result.code);
    return result;
  });
}

async function disconnect(connectionId: string, actorUserId: string | null): Promise<DisconnectResult> {
  const holder = newLeaseHolder("disconnect");
  // Renewal + up to four API calls, each bounded by the HTTP timeout.
  const leaseMs = 5 * zendeskSettings().httpTimeoutMs + 5000;
  let row: ZendeskConnection;
  try {
    row = await claimConnection(connectionId, holder, leaseMs);
  } catch (error) {
    if (
      error instanceof ZendeskError &&
      (error.code === "connection_not_found" || error.code === "refresh_in_progress")
    )
      return { ok: false, code: error.code, message: error.message };
    throw error;
  }
  let revocation: Revocation;
  try {
    ({ row, revocation } = await revoke(row, holder));
  } catch (error) {
    await releaseLease(connectionId, holder);
    throw error;
  }
  const base = { connectionId: row.id, workspaceId: row.workspaceId, subdomain: row.subdomain, actorUserId };

  const events = await db.transaction(async (tx) => {
    const [current] = await tx.select().from(zendeskConnections).where(eq(zendeskConnections.id, row.id)).for("update");
    if (current && current.tokenVersion !== row.tokenVersion && revocation.status !== "failed") {
      // Our lease lapsed and someone renewed meanwhile: the live pair is not the one revoked.
      revocation = {
        status: "failed",
        reason: "The token was renewed while the disconnect ran, so the newest one was not revoked.",
      };
    }
    const list: ConnectionEvent[] = [];
    // A renewal whose answer never arrived (timed out, or its process died) may have made Zendesk
    // rotate: that pair is live there and nobody here ever held it, so it cannot be revoked.
    if ((current ?? row).refreshInFlightSince !== null)
      list.push({
        ...base,
        type: "revocation_failed",
        detail: `An earlier renewal's answer was lost (${(current ?? row).refreshInFlightSince!.toISOString()}): the token Zendesk may have issued then was never received, so it could not be revoked. ${MANUAL_REVOCATION_STEPS}`,
        data: { lostAnswer: true },
      });
    if (revocation.status === "failed") list.push({ ...base, type: "revocation_failed", detail: revocation.reason });
    else if (revocation.status === "revoked")
      list.push({
        ...base,
        type: "revoked",
        detail:
          revocation.method === "by_id"
            ? "Token revoked in Zendesk on disconnect"
            : revocation.method === "current_json"
              ? "Token revoked in Zendesk on disconnect (DELETE tokens/current.json, checked: Zendesk now refuses it)"
              : "Token revoked in Zendesk on disconnect (DELETE tokens/current.json left it working; revoked by its id)",
        data: { method: revocation.method },
      });
    list.push({
      ...base,
      type: "disconnected",
      detail:
        revocation.status === "failed" ? "Disconnected here; the token may still be valid in Zendesk" : "Disconnected",
      data: {
        revocation: revocation.status,
        ...(revocation.status === "revoked" ? { method: revocation.method } : {}),
      },
    });
    for (const event of list) await insertConnectionEvent(tx, event);
    // Events keep their subdomain after this (connection_id becomes null), so history survives.
    await tx.delete(zendeskConnections).where(eq(zendeskConnections.id, row.id));
    return list;
  });
  notifyConnectionListeners(events);
  return { ok: true, subdomain: row.subdomain, tokenId: row.zendeskTokenId, revocation };
}

const NOT_NEEDED = "Zendesk had already stopped accepting this connection's tokens.";

/** Revokes the pair current under the claim; returns the row it revoked (renewed first when expired). */
async function revoke(
  claimed: ZendeskConnection,
  holder: string,
): Promise<{ row: ZendeskConnection; revocation: Revocation }> {
  let row = claimed;
  if (row.status === "needs_reconnect" || row.status === "revoked")
    return { row, revocation: { status: "not_needed", reason: NOT_NEEDED } };
  if (accessTokenDue(row, Date.now())) {
    try {
      // Once, under our claim: an access token expired by the clock can still be renewed, then revoked.
      row = await renewUnderClaim(row.id, holder);
    } catch (error) {
      const typed = error instanceof ZendeskError ? error : undefined;
      if (!typed) throw error;
      if (typed.code === "needs_reconnect" || typed.code === "refresh_token_expired" || typed.code === "token_revoked")
        return { row, revocation: { status: "not_needed", reason: NOT_NEEDED } };
      return {
        row,
        revocation: { status: "failed", reason: `We couldn't get a usable token to revoke: ${typed.message}` },
      };
    }
  }
  let accessToken: string;
  try {
    accessToken = openAccessToken(row);
  } catch (error) {
    // A key removed from TOKEN_ENCRYPTION_KEYS, or a damaged row: Disconnect still removes the
    // connection, and says the token was not revoked and how an admin revokes it.
    if (!localFailureOf(error, row)) throw error;
    return {
      row,
      revocation: {
        status: "failed",
        reason: `The stored token could not be read, so it was not revoked. ${MANUAL_REVOCATION_STEPS}`,
      },
    };
  }
  const outcome = await revokeAccessToken(row.subdomain, accessToken, row.zendeskTokenId);
  // 401: Zendesk already refuses the token, which is what revoking achieves.
  return { row, revocation: outcome.status === "dead" ? { status: "not_needed", reason: NOT_NEEDED } : outcome };
}
