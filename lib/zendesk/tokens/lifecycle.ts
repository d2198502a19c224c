import "server-only";
import { and, eq, inArray, sql } from "drizzle-orm";
import { database, db } from "@/db";
import { type ZendeskConnection, zendeskConnections } from "@/db/schema";
import { fetchTokenInfo, revokeZendeskToken, type ZendeskTokenInfo } from "@/lib/zendesk/transport/api";
import type { ZendeskClientCredentials } from "@/lib/zendesk/store/oauth-clients";
import { type ZendeskErrorCode } from "@/lib/zendesk/catalogue/error-codes";
import { type ConnectionEvent, recordConnectionEvent } from "@/lib/zendesk/store/events";
import {
  codeForFailure,
  describeFailure,
  isTransient,
  type Result,
  ZendeskError,
  type ZendeskFailure,
} from "@/lib/zendesk/transport/errors";
import { resolveClientCredentials } from "@/lib/zendesk/store/oauth-clients";
import { openAccessToken, openRefreshToken, sealConnectionTokens } from "@/lib/zendesk/store/sealed";
import { zendeskSettings } from "@/lib/zendesk/transport/settings";
import { PERMISSIONS_REDUCED_REASON } from "@/lib/zendesk/catalogue/permissions-reduced";
import { tokenExpiries } from "./expiry";
import { requestToken, type TokenGrant, type TokenResponse } from "./endpoint";

/*
 * The token lifecycle of a stored connection: hand out a valid access token, renew it before it
 * expires, and turn every answer of Zendesk's token endpoint into the connection's stored state.
 *
 * Invariants:
 * - Zendesk refresh tokens are single-use and rotate: two refreshes racing for one connection
 *   break it. So a refresh happens at most once at a time per connection: single-flight inside
 *   the process (a Map of in-flight promises), and across processes a transaction that locks the
 *   row (SELECT ... FOR UPDATE), re-reads it under the lock and skips when someone else already
 *   rotated (token_version moved) or the token is no longer due. The rotated pair is stored in
 *   that same transaction, so a committed refresh is never lost by us.
 * - The HTTP timeout is shorter than the lock and statement timeouts: a waiting process gives up
 *   only after the holder's Zendesk calls would have timed out.
 * - Transient failures (network, timeout, 5xx, 429, unreadable answers) never touch the stored
 *   tokens; only Zendesk refusing the grant (invalid_grant, invalid_client, ...) ends a connection.
 * - Events are recorded after the transaction commits, so a host-app listener never hears of a
 *   state that was rolled back. No token, secret or code ever enters a message, event or log.
 */

/** Reasons stored in status_reason: shown to people, so precise and free of secrets. */
export const TOKEN_REASONS = {
  lostResponse:
    "The refresh response was lost after Zendesk rotated the tokens; reconnect to continue (Zendesk already replaced the refresh token this app holds).",
  refreshRefusedAfterFailure:
    "Zendesk refused the refresh token (invalid_grant) after an earlier failed attempt: a refresh whose response was lost may have used it, or it was revoked or expired in Zendesk. Reconnect to continue.",
  refreshRefused:
    "Zendesk refused the refresh token (invalid_grant): it was revoked, expired or already used. Reconnect to continue.",
  revokedInZendesk:
    "The token was revoked in Zendesk: the API refused the access token and Zendesk rejected the refresh token. Reconnect to continue.",
  freshTokenRejected: "Zendesk refused an access token it had just issued. Reconnect to continue.",
  invalidClient:
    "Zendesk refused to renew the token: the OAuth client's identifier or secret was rejected (the client was changed or deleted). Fix the client, then reconnect.",
  invalidScope: PERMISSIONS_REDUCED_REASON,
  refreshTokenExpired: "The refresh token expired after a period without use. Reconnect to continue.",
  noRefreshToken:
    "The access token expired and this connection has no refresh token to renew it. Reconnect to continue.",
  clientCredentialsRefused: "Zendesk refused the client credentials grant for this connection. Reconnect to continue.",
} as const;

export interface RefreshRetryPolicy {
  /** Attempts per refresh, the first included. */
  maxAttempts: number;
  /** First backoff; doubles per attempt, with full jitter. */
  baseDelayMs: number;
  /** Cap of one exponential backoff (a Retry-After is honoured up to maxTotalWaitMs). */
  maxDelayMs: number;
  /** Cap of the total time spent waiting between attempts. */
  maxTotalWaitMs: number;
}

const DEFAULT_RETRY_POLICY: RefreshRetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 4000,
  maxTotalWaitMs: 10_000,
};
let retryPolicy: RefreshRetryPolicy = DEFAULT_RETRY_POLICY;

/** Changes how transient refresh failures are retried (tests use short waits); null restores the defaults. */
export function setRefreshRetryPolicy(policy: Partial<RefreshRetryPolicy> | null): void {
  retryPolicy = policy === null ? DEFAULT_RETRY_POLICY : { ...retryPolicy, ...policy };
}

/** Decides, from the stored row (re-read under the lock), whether it must be renewed now. */
export type DuePredicate = (row: ZendeskConnection, nowMs: number) => boolean;

/** True when the access token expires within the refresh margin (null expiry: never). */
export function accessTokenDue(row: Pick<ZendeskConnection, "accessTokenExpiresAt">, nowMs: number): boolean {
  if (row.accessTokenExpiresAt === null) return false;
  return row.accessTokenExpiresAt.getTime() - nowMs <= zendeskSettings().refreshMarginSeconds * 1000;
}

type Trigger = "on_demand" | "manual" | "keep_alive" | "rejected";

interface RenewRequest {
  pre: ZendeskConnection;
  /** Refresh only while the stored token_version is still this one; a newer one means someone else rotated. */
  baseVersion: number;
  /** "force" renews whatever the expiry; "due" only when `due` says so under the lock. */
  mode: "force" | "due";
  due: DuePredicate;
  trigger: Trigger;
  actorUserId: string | null;
  /** Keep-alive: skip a row another process is refreshing instead of waiting for it. */
  skipLocked: boolean;
}

export type RenewStatus = "refreshed" | "skipped" | "busy";

interface RenewResult {
  status: RenewStatus;
  /** The row after the attempt (re-read under the lock, or as updated). */
  row: ZendeskConnection;
}

type AttemptOutcome =
  | { kind: "done"; result: RenewResult; events: ConnectionEvent[] }
  | { kind: "refused"; error: ZendeskError; events: ConnectionEvent[] }
  | { kind: "transient"; failure: ZendeskFailure };

const inFlight = new Map<string, Promise<RenewResult>>();

/** A valid access token for the connection, renewed first when it expires within the margin. */
export async function getAccessToken(connectionId: string): Promise<string> {
  return (await currentAccessToken(connectionId)).accessToken;
}

/** The usable token with the version it belongs to (the API client needs both to react to a 401); a row the caller just loaded is not read again. */
export async function currentAccessToken(
  connection: string | ZendeskConnection,
): Promise<{ accessToken: string; tokenVersion: number; connection: ZendeskConnection }> {
  const row = typeof connection === "string" ? await loadConnection(connection) : connection;
  assertUsable(row);
  if (!accessTokenDue(row, Date.now())) return tokenOf(row);
  const result = await renewSingleFlight({
    pre: row,
    baseVersion: row.tokenVersion,
    mode: "due",
    due: accessTokenDue,
    trigger: "on_demand",
    actorUserId: null,
    skipLocked: false,
  });
  return tokenOf(result.row);
}

export type RefreshResult = Result<{
  refreshed: boolean;
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
}>;

/**
 * Renews the connection's token: with `force` whatever its expiry ("Refresh now"), otherwise only
 * when it is due. Returns the expiry, or a typed failure the UI can show.
 */
export async function refreshConnection(
  connection: string | ZendeskConnection,
  { force = false, actorUserId = null }: { force?: boolean; actorUserId?: string | null } = {},
): Promise<RefreshResult> {
  try {
    const row = typeof connection === "string" ? await loadConnection(connection) : connection;
    assertUsable(row);
    const result = await renewSingleFlight({
      pre: row,
      baseVersion: row.tokenVersion,
      mode: force ? "force" : "due",
      due: accessTokenDue,
      trigger: "manual",
      actorUserId,
      skipLocked: false,
    });
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
 * Keep-alive: renews the connection when `due` holds under the lock; a row another process is
 * refreshing right now is "busy" (left to it). Throws ZendeskError when Zendesk or the network fails.
 */
export async function refreshIfDue(connectionId: string, due: DuePredicate): Promise<RenewStatus> {
  const row = await loadConnection(connectionId);
  assertUsable(row);
  const result = await renewSingleFlight({
    pre: row,
    baseVersion: row.tokenVersion,
    mode: "due",
    due,
    trigger: "keep_alive",
    actorUserId: null,
    skipLocked: true,
  });
  return result.status;
}

/**
 * The API refused the access token of `rejectedVersion` (401 invalid_token): renews it unless
 * someone already did. A refused refresh then marks the connection revoked in Zendesk.
 */
export async function renewRejectedToken(
  connectionId: string,
  rejectedVersion: number,
): Promise<{ accessToken: string; tokenVersion: number }> {
  const row = await loadConnection(connectionId);
  assertUsable(row);
  if (row.tokenVersion !== rejectedVersion) return tokenOf(row);
  const result = await renewSingleFlight({
    pre: row,
    baseVersion: rejectedVersion,
    mode: "force",
    due: accessTokenDue,
    trigger: "rejected",
    actorUserId: null,
    skipLocked: false,
  });
  return tokenOf(result.row);
}

/**
 * The API refused a token that was just renewed: Zendesk no longer accepts this connection.
 * Marks it needs_reconnect unless the token has rotated since; returns the error to throw.
 */
export async function markRenewedTokenRejected(connectionId: string, tokenVersion: number): Promise<ZendeskError> {
  const error = new ZendeskError("needs_reconnect", TOKEN_REASONS.freshTokenRejected, { kind: "invalid_token" });
  const events = await db.transaction(async (tx) => {
    await setLocalTimeouts(tx);
    const [row] = await tx
      .select()
      .from(zendeskConnections)
      .where(eq(zendeskConnections.id, connectionId))
      .for("update");
    if (!row || row.tokenVersion !== tokenVersion || (row.status !== "active" && row.status !== "error")) return [];
    return markEnded(
      tx,
      row,
      { status: "needs_reconnect", reason: TOKEN_REASONS.freshTokenRejected, failure: { kind: "invalid_token" } },
      null,
    );
  });
  await emit(events);
  return error;
}

/** Loads a connection or throws ZendeskError("connection_not_found"). */
export async function loadConnection(connectionId: string): Promise<ZendeskConnection> {
  const [row] = await db.select().from(zendeskConnections).where(eq(zendeskConnections.id, connectionId));
  if (!row) throw new ZendeskError("connection_not_found", "This Zendesk connection no longer exists.");
  return row;
}

/** Fails fast, without calling Zendesk, for a connection Zendesk already refused. */
function assertUsable(row: ZendeskConnection): void {
  if (row.status === "revoked")
    throw new ZendeskError("token_revoked", row.statusReason ?? TOKEN_REASONS.revokedInZendesk);
  if (row.status === "needs_reconnect") {
    const expired = row.refreshTokenExpiresAt !== null && row.refreshTokenExpiresAt.getTime() <= Date.now();
    throw new ZendeskError(
      expired ? "refresh_token_expired" : "needs_reconnect",
      row.statusReason ?? TOKEN_REASONS.refreshRefused,
    );
  }
}

function tokenOf(row: ZendeskConnection) {
  return {
    accessToken: openAccessToken(row),
    tokenVersion: row.tokenVersion,
    connection: row,
  };
}

/** One refresh per connection at a time in this process; concurrent callers share its outcome. */
function renewSingleFlight(request: RenewRequest): Promise<RenewResult> {
  const id = request.pre.id;
  const running = inFlight.get(id);
  // A joiner did not refresh anything itself: it reports "skipped" (counts stay exact).
  if (running)
    return running.then((result) => (result.status === "refreshed" ? { ...result, status: "skipped" } : result));
  const promise = renewWithRetries(request).finally(() => inFlight.delete(id));
  inFlight.set(id, promise);
  return promise;
}

async function renewWithRetries(request: RenewRequest): Promise<RenewResult> {
  const client = await credentialsFor(request.pre);
  const policy = retryPolicy;
  let waitedMs = 0;
  // Set once an attempt may have reached Zendesk without us reading the answer (connection
  // dropped, timed out, unreadable 2xx): an invalid_grant after that means the lost answer
  // carried the rotated pair. Any earlier failure at all makes the diagnosis hedged.
  let answerMaybeLost = false;
  let earlierFailure = false;
  let attempts = 0;
  let failure: ZendeskFailure | undefined;
  for (;;) {
    attempts += 1;
    const outcome = await attemptRenew(request, client, { answerMaybeLost, earlierFailure });
    if (outcome.kind === "done") {
      await emit(outcome.events);
      return outcome.result;
    }
    if (outcome.kind === "refused") {
      await emit(outcome.events);
      throw outcome.error;
    }
    failure = outcome.failure;
    earlierFailure = true;
    if (
      failure.kind === "unreachable" ||
      failure.kind === "timeout" ||
      (failure.kind === "malformed" && failure.status < 300)
    ) {
      answerMaybeLost = true;
    }
    const delay = backoffMs(attempts, failure, policy);
    if (attempts >= policy.maxAttempts || delay === undefined || waitedMs + delay > policy.maxTotalWaitMs) break;
    await sleep(delay);
    waitedMs += delay;
  }
  if (!failure) throw new Error("unreachable: the retry loop ends only after a failure");
  await recordTransientFailure(request, failure, attempts);
  throw new ZendeskError(
    codeForFailure(failure),
    `Could not renew the Zendesk token: ${describeFailure(failure)}`,
    failure,
  );
}

/** One attempt: lock the row, re-read it, and refresh only if still needed. */
interface EarlierAttempts {
  answerMaybeLost: boolean;
  earlierFailure: boolean;
}

async function attemptRenew(
  request: RenewRequest,
  client: ZendeskClientCredentials,
  earlier: EarlierAttempts,
): Promise<AttemptOutcome> {
  try {
    return await db.transaction(async (tx) => {
      await setLocalTimeouts(tx);
      const locking = tx.select().from(zendeskConnections).where(eq(zendeskConnections.id, request.pre.id));
      const [row] = await (request.skipLocked ? locking.for("update", { skipLocked: true }) : locking.for("update"));
      if (!row) {
        if (request.skipLocked) return { kind: "done", result: { status: "busy", row: request.pre }, events: [] };
        throw new ZendeskError("connection_not_found", "This Zendesk connection no longer exists.");
      }
      // Re-read under the lock: another process may have rotated or ended it meanwhile.
      if (row.status === "needs_reconnect" || row.status === "revoked") {
        try {
          assertUsable(row);
        } catch (error) {
          return { kind: "refused", error: error as ZendeskError, events: [] };
        }
      }
      const nowMs = Date.now();
      if (row.tokenVersion !== request.baseVersion)
        return { kind: "done", result: { status: "skipped", row }, events: [] };
      if (request.mode === "due" && !request.due(row, nowMs))
        return { kind: "done", result: { status: "skipped", row }, events: [] };

      let grant: TokenGrant;
      if (row.mode === "client_credentials") {
        const scopes = row.grantedScopes.length > 0 ? row.grantedScopes : row.requestedScopes;
        grant = { grant_type: "client_credentials", scope: scopes.join(" ") };
      } else {
        if (!row.refreshTokenCiphertext)
          return refuse(
            tx,
            row,
            { status: "needs_reconnect", reason: TOKEN_REASONS.noRefreshToken, code: "needs_reconnect" },
            request,
          );
        if (row.refreshTokenExpiresAt !== null && row.refreshTokenExpiresAt.getTime() <= nowMs) {
          // Zendesk would only answer invalid_grant: do not send a dead token anywhere.
          return refuse(
            tx,
            row,
            { status: "needs_reconnect", reason: TOKEN_REASONS.refreshTokenExpired, code: "refresh_token_expired" },
            request,
          );
        }
        grant = {
          grant_type: "refresh_token",
          refresh_token: openRefreshToken({ id: row.id, refreshTokenCiphertext: row.refreshTokenCiphertext }),
        };
      }

      let response: TokenResponse;
      try {
        response = await requestToken(row.subdomain, client, grant);
      } catch (error) {
        if (!(error instanceof ZendeskError) || !error.failure) throw error;
        if (isTransient(error.failure)) return { kind: "transient", failure: error.failure };
        return refuse(tx, row, verdictFor(error.failure, row, request, earlier), request);
      }

      const updated = await storeRotation(tx, row, response);
      const event: ConnectionEvent = {
        type: "refreshed",
        connectionId: row.id,
        workspaceId: row.workspaceId,
        subdomain: row.subdomain,
        actorUserId: request.actorUserId,
        detail: updated.accessTokenExpiresAt
          ? `Access token renewed; it expires at ${updated.accessTokenExpiresAt.toISOString()}`
          : "Access token renewed; Zendesk gave no expiry",
        data: {
          trigger: request.trigger,
          tokenVersion: updated.tokenVersion,
          recoveredFromError: row.status === "error",
          grantType: grant.grant_type,
        },
      };
      return { kind: "done", result: { status: "refreshed", row: updated }, events: [event] };
    });
  } catch (error) {
    if (!isLockTimeout(error)) throw error;
    // Another process held the row past our lock timeout: use its result if it finished.
    const row = await loadConnection(request.pre.id);
    if (row.tokenVersion !== request.baseVersion)
      return { kind: "done", result: { status: "skipped", row }, events: [] };
    throw new ZendeskError(
      "refresh_in_progress",
      "Another refresh of this Zendesk connection is taking too long; try again shortly.",
    );
  }
}

type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];

/**
 * A client_credentials grant issues a new token and leaves the previous one valid until it
 * expires (unlike a refresh, which rotates). Revoke the one we replace so live tokens never
 * pile up; best effort, by its own bearer (a token may always revoke itself).
 */
async function revokeReplacedToken(row: ZendeskConnection): Promise<void> {
  try {
    const previous = openAccessToken(row);
    await revokeZendeskToken(row.subdomain, previous, row.zendeskTokenId!);
  } catch (error) {
    if (!(error instanceof ZendeskError)) throw error;
    console.warn(
      `[zendesk] ${row.subdomain}: the replaced client-credentials token was not revoked (${error.message}); it expires by itself`,
    );
  }
}

/** Stores the rotated pair, re-encrypted, with token_version + 1, in the caller's transaction. */
async function storeRotation(tx: Tx, row: ZendeskConnection, response: TokenResponse): Promise<ZendeskConnection> {
  const now = Date.now();
  // current.json names the new token (revocation is by id) and refines a missing expiry
  // (tokens/expiry.ts). Best effort: the new pair must be stored whatever it answers, the old one is gone.
  let info: ZendeskTokenInfo | null = null;
  try {
    info = await fetchTokenInfo(row.subdomain, response.access_token);
  } catch (error) {
    if (!(error instanceof ZendeskError)) throw error;
  }
  const expiries = tokenExpiries(response, info, now);
  const isClientCredentials = row.mode === "client_credentials";
  const sealed = sealConnectionTokens(row.id, {
    accessToken: response.access_token,
    refreshToken: isClientCredentials ? null : response.refresh_token,
  });
  // A refresh answer without a new refresh token did not rotate it: keep the one we have.
  const refreshTokenCiphertext = isClientCredentials
    ? null
    : (sealed.refreshTokenCiphertext ?? row.refreshTokenCiphertext);
  const refreshTokenExpiresAt = isClientCredentials
    ? null
    : response.refresh_token_expires_in !== undefined || response.refresh_token
      ? expiries.refreshTokenExpiresAt
      : row.refreshTokenExpiresAt;
  const accessTokenExpiresAt = expiries.accessTokenExpiresAt;
  if (isClientCredentials && row.zendeskTokenId) await revokeReplacedToken(row);
  const [updated] = await tx
    .update(zendeskConnections)
    .set({
      accessTokenCiphertext: sealed.accessTokenCiphertext,
      refreshTokenCiphertext,
      accessTokenExpiresAt,
      refreshTokenExpiresAt,
      zendeskTokenId: info?.id ?? null,
      tokenVersion: row.tokenVersion + 1,
      status: "active",
      statusReason: null,
      lastError: null,
      lastErrorAt: null,
      lastRefreshedAt: new Date(now),
    })
    .where(and(eq(zendeskConnections.id, row.id), eq(zendeskConnections.tokenVersion, row.tokenVersion)))
    .returning();
  // We hold the row lock, so the version cannot have moved.
  if (!updated) throw new Error("zendesk connection changed while locked");
  return updated;
}

interface Verdict {
  status: "needs_reconnect" | "revoked" | "error";
  reason: string;
  code: ZendeskErrorCode;
  failure?: ZendeskFailure;
}

/** What a non-transient refusal of the token endpoint means for the connection. */
function verdictFor(
  failure: ZendeskFailure,
  row: ZendeskConnection,
  request: RenewRequest,
  earlier: EarlierAttempts,
): Verdict {
  if (failure.kind === "oauth") {
    if (failure.error === "invalid_grant") {
      if (row.mode === "client_credentials")
        return {
          status: "needs_reconnect",
          reason: TOKEN_REASONS.clientCredentialsRefused,
          code: "needs_reconnect",
          failure,
        };
      // We hold the lock and token_version is the one we sent: the stored refresh token is
      // unchanged, so Zendesk refused exactly the token we have. Retrying can never succeed.
      if (earlier.answerMaybeLost)
        return { status: "needs_reconnect", reason: TOKEN_REASONS.lostResponse, code: "needs_reconnect", failure };
      if (request.trigger === "rejected")
        return { status: "revoked", reason: TOKEN_REASONS.revokedInZendesk, code: "token_revoked", failure };
      if (earlier.earlierFailure || row.status === "error")
        return {
          status: "needs_reconnect",
          reason: TOKEN_REASONS.refreshRefusedAfterFailure,
          code: "needs_reconnect",
          failure,
        };
      return { status: "needs_reconnect", reason: TOKEN_REASONS.refreshRefused, code: "needs_reconnect", failure };
    }
    if (failure.error === "invalid_client" || failure.error === "unauthorized_client") {
      return { status: "needs_reconnect", reason: TOKEN_REASONS.invalidClient, code: "invalid_client", failure };
    }
    if (failure.error === "invalid_scope")
      return { status: "needs_reconnect", reason: TOKEN_REASONS.invalidScope, code: "invalid_scope", failure };
  }
  // Anything else (invalid_request, an unknown account, an unexpected status) is not a verdict
  // on this connection's grant: keep the tokens, show the error, let a later attempt try again.
  return { status: "error", reason: describeFailure(failure), code: codeForFailure(failure), failure };
}

/** Applies a refusal in the transaction; returns the outcome to throw after commit. */
async function refuse(
  tx: Tx,
  row: ZendeskConnection,
  verdict: Verdict,
  request: RenewRequest,
): Promise<AttemptOutcome> {
  const events = await markEnded(tx, row, verdict, request.actorUserId, request.trigger);
  return { kind: "refused", error: new ZendeskError(verdict.code, verdict.reason, verdict.failure), events };
}

/** Stores an ended (needs_reconnect / revoked) or failed (error) state; the tokens stay as they are. */
async function markEnded(
  tx: Tx,
  row: ZendeskConnection,
  verdict: Pick<Verdict, "status" | "reason" | "failure">,
  actorUserId: string | null,
  trigger: Trigger = "rejected",
): Promise<ConnectionEvent[]> {
  const now = new Date();
  const lastError = verdict.failure ? describeFailure(verdict.failure) : verdict.reason;
  await tx
    .update(zendeskConnections)
    .set(
      verdict.status === "error"
        ? { status: "error", lastError, lastErrorAt: now }
        : { status: verdict.status, statusReason: verdict.reason, lastError, lastErrorAt: now },
    )
    .where(eq(zendeskConnections.id, row.id));
  const base = { connectionId: row.id, workspaceId: row.workspaceId, subdomain: row.subdomain, actorUserId };
  const data = { trigger, failure: verdict.failure ? failureSummary(verdict.failure) : null };
  if (verdict.status === "error") return [{ ...base, type: "refresh_failed", detail: verdict.reason, data }];
  return [
    { ...base, type: "refresh_failed", detail: lastError, data },
    { ...base, type: verdict.status === "revoked" ? "revoked" : "needs_reconnect", detail: verdict.reason, data },
  ];
}

/** After the retries: status error with the reason, tokens untouched, unless someone rotated meanwhile. */
async function recordTransientFailure(request: RenewRequest, failure: ZendeskFailure, attempts: number): Promise<void> {
  const row = request.pre;
  const lastError = describeFailure(failure);
  const updated = await db
    .update(zendeskConnections)
    .set({ status: "error", lastError, lastErrorAt: new Date() })
    .where(
      and(
        eq(zendeskConnections.id, row.id),
        eq(zendeskConnections.tokenVersion, request.baseVersion),
        inArray(zendeskConnections.status, ["active", "error"]),
      ),
    )
    .returning({ id: zendeskConnections.id });
  if (updated.length === 0) return;
  await emit([
    {
      type: "refresh_failed",
      connectionId: row.id,
      workspaceId: row.workspaceId,
      subdomain: row.subdomain,
      actorUserId: request.actorUserId,
      detail: `${lastError} (after ${attempts} attempt${attempts === 1 ? "" : "s"}; the stored tokens are unchanged)`,
      data: { trigger: request.trigger, failure: failureSummary(failure), attempts },
    },
  ]);
}

async function credentialsFor(row: ZendeskConnection): Promise<ZendeskClientCredentials> {
  // A missing client (no_client) is an operator problem, not a verdict on the connection.
  return resolveClientCredentials(row.workspaceId, row.oauthClientId);
}

/** Postgres only: bounded waits. PGlite is one process whose transactions already run one at a time. */
async function setLocalTimeouts(tx: Tx): Promise<void> {
  if (database().kind !== "postgres") return;
  const http = zendeskSettings().httpTimeoutMs;
  // A lock holder makes at most two Zendesk calls (token + current.json), each bounded by the
  // HTTP timeout: waiters wait longer than that, and a stuck holder is cut off after it.
  const lockMs = 2 * http + 5000;
  const statementMs = lockMs + 5000;
  await tx.execute(
    sql`select set_config('lock_timeout', ${`${lockMs}ms`}, true), set_config('statement_timeout', ${`${statementMs}ms`}, true), set_config('idle_in_transaction_session_timeout', ${`${statementMs}ms`}, true)`,
  );
}

function isLockTimeout(error: unknown): boolean {
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } })?.code ??
    (error as { cause?: { code?: unknown } })?.cause?.code;
  // 55P03 lock_not_available (lock_timeout), 57014 query_canceled (statement_timeout).
  return code === "55P03" || code === "57014";
}

/** Milliseconds to wait before the next attempt, or undefined when a Retry-After exceeds the cap. */
function backoffMs(attempt: number, failure: ZendeskFailure, policy: RefreshRetryPolicy): number | undefined {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Full jitter in the upper half: spreads processes that failed together.
  const jittered = Math.round(exponential / 2 + Math.random() * (exponential / 2));
  if (failure.kind === "rate_limited" && failure.retryAfterSeconds !== undefined) {
    const retryAfterMs = failure.retryAfterSeconds * 1000;
    // Honoured up to the total cap; a longer wait ends the retries (the caller sees rate_limited).
    if (retryAfterMs > policy.maxTotalWaitMs) return undefined;
    return Math.max(retryAfterMs, jittered);
  }
  return jittered;
}

function failureSummary(failure: ZendeskFailure): Record<string, unknown> {
  // The failure union carries no token material; the description is free text from Zendesk and is left out.
  const { kind } = failure;
  return {
    kind,
    ...("status" in failure ? { status: failure.status } : {}),
    ...("error" in failure ? { error: failure.error } : {}),
    ...("retryAfterSeconds" in failure && failure.retryAfterSeconds !== undefined
      ? { retryAfterSeconds: failure.retryAfterSeconds }
      : {}),
  };
}

async function emit(events: ConnectionEvent[]): Promise<void> {
  for (const event of events) {
    try {
      await recordConnectionEvent(event);
    } catch (error) {
      // The state change is committed; a lost history line must not fail the caller.
      console.error(
        `[zendesk] recording a ${event.type} event failed: ${error instanceof Error ? error.name : "error"}`,
      );
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
