import "server-only";
import { eq } from "drizzle-orm";
import { zendeskConnections } from "@/db/schema";
import { fetchTokenInfo, revokeZendeskToken } from "@/lib/zendesk/transport/api";
import { transactionWithEvents } from "@/lib/zendesk/store/events";
import { ZendeskError } from "@/lib/zendesk/transport/errors";
import { currentAccessToken, loadConnection } from "@/lib/zendesk/tokens/lifecycle";
import type { Subdomain } from "@/lib/zendesk/transport/subdomain";

/** Where an admin revokes by hand when we could not (kept in one place for the UI and docs). */
export const MANUAL_REVOCATION_STEPS =
  "Ask a Zendesk admin to list the OAuth tokens (GET /api/v2/oauth/tokens.json) and revoke this one with DELETE /api/v2/oauth/tokens/{id}.json. " +
  "Until then it stays valid only until it expires; this app no longer holds it.";

export type Revocation =
  /** Zendesk confirmed the token is gone. */
  | { status: "revoked" }
  /** Zendesk had already refused the connection's tokens: nothing left to revoke. */
  | { status: "not_needed"; reason: string }
  /** The connection was removed here, but Zendesk may still accept its token. */
  | { status: "failed"; reason: string };

export type DisconnectResult =
  | { ok: true; subdomain: string; tokenId: string | null; revocation: Revocation }
  | { ok: false; code: "connection_not_found"; message: string };

/**
 * Disconnects: revokes the token at Zendesk by its id (from current.json), then deletes the
 * connection and its stored tokens. A failed revocation never keeps the connection: it is
 * removed locally, recorded, and the caller tells the admin how to finish in Zendesk.
 */
export async function disconnectConnection(
  connectionId: string,
  actorUserId: string | null,
): Promise<DisconnectResult> {
  let row;
  try {
    row = await loadConnection(connectionId);
  } catch (error) {
    if (error instanceof ZendeskError && error.code === "connection_not_found")
      return { ok: false, code: error.code, message: error.message };
    throw error;
  }
  const revocation = await revoke(connectionId, row.subdomain);
  const base = { connectionId: row.id, workspaceId: row.workspaceId, subdomain: row.subdomain, actorUserId };

  // History in the deleting transaction; listeners hear of it after the commit.
  await transactionWithEvents(async (tx, record) => {
    if (revocation.status === "failed") {
      await record({ ...base, type: "revocation_failed", detail: revocation.reason });
    } else if (revocation.status === "revoked") {
      await record({ ...base, type: "revoked", detail: "Token revoked in Zendesk on disconnect" });
    }
    await record({
      ...base,
      type: "disconnected",
      detail:
        revocation.status === "failed" ? "Disconnected here; the token may still be valid in Zendesk" : "Disconnected",
      data: { revocation: revocation.status },
    });
    // Events keep their subdomain after this (connection_id becomes null), so history survives.
    await tx.delete(zendeskConnections).where(eq(zendeskConnections.id, row.id));
  });
  return { ok: true, subdomain: row.subdomain, tokenId: row.zendeskTokenId, revocation };
}

async function revoke(connectionId: string, subdomain: Subdomain): Promise<Revocation> {
  let accessToken: string;
  try {
    // May refresh first: a token expired by the clock can still be renewed, then revoked.
    ({ accessToken } = await currentAccessToken(connectionId));
  } catch (error) {
    const typed = error instanceof ZendeskError ? error : undefined;
    if (!typed) throw error;
    if (typed.code === "needs_reconnect" || typed.code === "refresh_token_expired" || typed.code === "token_revoked") {
      return { status: "not_needed", reason: "Zendesk had already stopped accepting this connection's tokens." };
    }
    return { status: "failed", reason: `We couldn't get a usable token to revoke: ${typed.message}` };
  }
  try {
    const info = await fetchTokenInfo(subdomain, accessToken);
    await revokeZendeskToken(subdomain, accessToken, info.id);
    return { status: "revoked" };
  } catch (error) {
    if (!(error instanceof ZendeskError)) throw error;
    // 401 on current.json: Zendesk already refuses the token, which is what revoking achieves.
    if (error.failure?.kind === "invalid_token")
      return { status: "not_needed", reason: "Zendesk had already stopped accepting this connection's token." };
    return { status: "failed", reason: `Zendesk did not confirm the revocation: ${error.message}` };
  }
}
