import { type ZendeskConnection } from "../db/schema.js";
import { openAccessToken } from "../store/sealed.js";
import { type Result, ZendeskError } from "../transport/errors.js";
import { leaseId, loadConnection, newLeaseHolder } from "./lease.js";
import {
  accessTokenDue,
  assertUsable,
  backoffError,
  type ClockOption,
  type DuePredicate,
  type RenewStatus,
} from "./policy.js";
import { renewRequest, renewSingleFlight, renewWithRetries } from "./renew.js";

export {
  accessTokenDue,
  backoffSeconds,
  type ClockOption,
  type DuePredicate,
  refreshLeaseMs,
  type RefreshRetryPolicy,
  type RenewResult,
  type RenewStatus,
  setRefreshRetryPolicy,
  TOKEN_REASONS,
  type Trigger,
} from "./policy.js";
export { claimConnection, type LeaseKind, loadConnection, newLeaseHolder, releaseLease } from "./lease.js";
export { markRenewedTokenRejected } from "./state.js";

/*
 * The token lifecycle of a stored connection — the facade. The modules beside it, read in order:
 * policy.ts (pure rules), lease.ts (who may call Zendesk), state.ts (one writer per transition),
 * renew.ts (named policies, single-flight, claim, call, store), follow-up.ts (after the commit).
 * tokens/README.md has the state table.
 *
 * What it does: hand out a valid access token, renew it when it is
 * used after expiring (or when the keep-alive says its refresh token nears its end), and turn every
 * answer of Zendesk's token endpoint into the connection's stored state.
 *
 * Invariants:
 * - Commit first. The pair Zendesk returns is written and committed by one short transaction as
 *   soon as its answer is read; nothing else (current.json, revoking a replaced client-credentials
 *   token, telling listeners) happens before that commit. current.json runs afterwards and only
 *   refines stored metadata (token id, an expiry the answer left out), best effort. The one way to
 *   lose a rotated pair is to lose Zendesk's answer itself (network, or this process dying in the
 *   milliseconds between reading the answer and the commit); the next attempt then finds
 *   refresh_in_flight_since set and records Zendesk's invalid_grant as TOKEN_REASONS.lostResponse.
 * - Claim with a lease, never a lock across a call. Zendesk refresh tokens are single-use: two
 *   refreshes racing for one connection break it. A short transaction takes the row
 *   (FOR UPDATE NOWAIT, or SKIP LOCKED for the keep-alive), checks it is still due and not leased to
 *   someone else, writes the lease (holder, expiry) and refresh_in_flight_since, and commits. Zendesk
 *   is called with no transaction open and no pooled connection held. Every answer — a rotation, a
 *   refusal, a failure — is stored by a second short transaction only while the row still holds the
 *   token_version read under the lease and no one else's disconnect lease is live; each releases
 *   only its own lease. A rotated pair that may not be stored (a reconnect or a disconnect won the
 *   race) is revoked at Zendesk and recorded. In the process, one attempt is shared only among
 *   callers of the same named policy; callers of another process wait for the new version. A
 *   crashed holder's lease expires. NOWAIT / SKIP LOCKED also respect the row lock that versions
 *   before the lease held across the call (rolling deploys).
 * - Failure policy. Transient failures (network, timeout, 5xx, 429, unreadable answers) never touch
 *   the stored tokens: they are retried at most once within a run, then the connection is `error`
 *   with an exponential back-off (next_attempt_at) that the keep-alive and automatic use respect. A
 *   closed or unknown account (Zendesk's HTML 404) backs off the same way. Failing for longer than
 *   ZENDESK_REFRESH_GIVE_UP_DAYS ends the connection (needs_reconnect, with the reason); Zendesk
 *   refusing the grant (invalid_grant, invalid_client, invalid_scope) ends it at once. Every
 *   failing path writes the connection's state: a missing client and an undecryptable secret too.
 * - History rows and the host app's webhooks are written in the transaction of the state change;
 *   in-process listeners hear of it only after the commit. No token, secret or code ever enters a
 *   message, event or log.
 * - Time is the caller's clock (`now`), so tests and the keep-alive bench run on simulated days.
 */

/** A valid access token for the connection, renewed first when it is used after (or near) its expiry. */
export async function getAccessToken(connectionId: string, options: ClockOption = {}): Promise<string> {
  return (await currentAccessToken(connectionId, options)).accessToken;
}

/** The usable token with the version it belongs to (the API client needs both to react to a 401). */
export async function currentAccessToken(
  connection: string | ZendeskConnection,
  { now = Date.now }: ClockOption = {},
): Promise<{ accessToken: string; tokenVersion: number; connection: ZendeskConnection }> {
  // A row the caller just loaded is not read again.
  const row = typeof connection === "string" ? await loadConnection(connection) : connection;
  assertUsable(row, now());
  if (!accessTokenDue(row, now())) return tokenOf(row);
  const result = await renewSingleFlight(
    renewRequest("on_use", { connectionId: row.id, baseVersion: row.tokenVersion, due: accessTokenDue, now }),
  );
  if (result.status === "backoff") throw backoffError(result.row);
  return tokenOf(result.row);
}

export type RefreshResult = Result<{
  refreshed: boolean;
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
}>;

/**
 * Renews the connection's token: with `force` whatever its expiry ("Refresh now"), otherwise only
 * when it is due. A person acting gets one attempt even while automatic renewals back off.
 */
export async function refreshConnection(
  connection: string | ZendeskConnection,
  {
    force = false,
    actorUserId = null,
    now = Date.now,
  }: { force?: boolean; actorUserId?: string | null } & ClockOption = {},
): Promise<RefreshResult> {
  try {
    const row = typeof connection === "string" ? await loadConnection(connection) : connection;
    assertUsable(row, now());
    const result = await renewSingleFlight(
      renewRequest(force ? "refresh_now" : "refresh_if_due", {
        connectionId: row.id,
        baseVersion: row.tokenVersion,
        due: accessTokenDue,
        actorUserId,
        now,
      }),
    );
    return {
      ok: true,
      refreshed: result.status === "refreshed",
      accessTokenExpiresAt: result.row.accessTokenExpiresAt,
      refreshTokenExpiresAt: result.row.refreshTokenExpiresAt,
    };
  } catch (error) {
    if (error instanceof ZendeskError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

/**
 * Keep-alive: renews the connection when `due` holds in the claim. `holder` is the runner's
 * reservation of the row; a row someone else holds is "busy", one in back-off "backoff".
 * Throws ZendeskError when Zendesk or the network fails (the failure is already stored).
 */
export async function refreshIfDue(
  connectionId: string,
  due: DuePredicate,
  { holder, now = Date.now }: { holder?: string } & ClockOption = {},
): Promise<RenewStatus> {
  const row = await loadConnection(connectionId);
  assertUsable(row, now());
  const result = await renewSingleFlight(
    renewRequest("keep_alive", {
      connectionId,
      baseVersion: row.tokenVersion,
      due,
      holder: holder ? newLeaseHolder("refresh", leaseId(holder)) : undefined,
      now,
    }),
  );
  return result.status;
}

/**
 * The API refused the access token of `rejectedVersion` (401 invalid_token): renews it unless
 * someone already did. A refused refresh then marks the connection revoked in Zendesk.
 */
export async function renewRejectedToken(
  connectionId: string,
  rejectedVersion: number,
  { now = Date.now }: ClockOption = {},
): Promise<{ accessToken: string; tokenVersion: number }> {
  const row = await loadConnection(connectionId);
  assertUsable(row, now());
  if (row.tokenVersion !== rejectedVersion) return tokenOf(row);
  const result = await renewSingleFlight(
    renewRequest("rejected", { connectionId, baseVersion: rejectedVersion, due: accessTokenDue, now }),
  );
  if (result.status === "backoff") throw backoffError(result.row);
  return tokenOf(result.row);
}

/**
 * Disconnect's renewal: under the disconnect's own lease (`holder`), renews an expired access token
 * once so the current pair can be revoked. Never releases the lease.
 */
export async function renewUnderClaim(
  connectionId: string,
  holder: string,
  { now = Date.now }: ClockOption = {},
): Promise<ZendeskConnection> {
  const row = await loadConnection(connectionId);
  assertUsable(row, now());
  const result = await renewWithRetries(
    renewRequest("disconnect", { connectionId, baseVersion: row.tokenVersion, due: accessTokenDue, holder, now }),
  );
  return result.row;
}

function tokenOf(row: ZendeskConnection) {
  return {
    accessToken: openAccessToken(row),
    tokenVersion: row.tokenVersion,
    connection: row,
  };
}
