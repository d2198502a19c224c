import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { database, db } from "../db/index.js";
import { runAfterResponse } from "../after-response.js";
import { type ZendeskConnection, zendeskConnections } from "../db/schema.js";
import { fetchTokenInfo, type ZendeskTokenInfo } from "../transport/api.js";
import { type AccessTokenRevocation, revokeAccessToken } from "./revoke.js";
import type { ZendeskClientCredentials } from "../store/oauth-clients.js";
import { type ZendeskErrorCode } from "../catalogue/error-codes.js";
import {
  type ConnectionEvent,
  insertConnectionEvent,
  notifyConnectionListeners,
  recordConnectionEvent,
} from "../store/events.js";
import { healthy } from "../store/transitions.js";
import {
  codeForFailure,
  describeFailure,
  isTransient,
  type Result,
  ZendeskError,
  type ZendeskFailure,
} from "../transport/errors.js";
import { resolveClientCredentials } from "../store/oauth-clients.js";
import { openAccessToken, openRefreshToken, sealConnectionTokens } from "../store/sealed.js";
import { zendeskSettings } from "../transport/settings.js";
import { PERMISSIONS_REDUCED_REASON } from "../catalogue/permissions-reduced.js";
import { tokenExpiries } from "./expiry.js";
import { requestToken, type TokenGrant, type TokenResponse } from "./endpoint.js";

/*
 * The token lifecycle of a stored connection: hand out a valid access token, renew it when it is
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
 *   is called with no transaction open and no pooled connection held. The answer is stored by a
 *   second short transaction that checks token_version (and, for a refusal, the lease). In the
 *   process, a Map of in-flight promises shares one attempt among concurrent callers; callers of
 *   another process wait for the new version. A crashed holder's lease expires. NOWAIT / SKIP LOCKED
 *   also respect the row lock that versions before the lease held across the call (rolling deploys).
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
  accountNotFound: (days: number) =>
    `Zendesk account not found: for more than ${days} day${days === 1 ? "" : "s"} this Zendesk address has answered that the account does not exist (closed or renamed). Reconnect with the account's current address.`,
  gaveUp: (days: number, lastError: string) =>
    `Renewing the token has failed for more than ${days} day${days === 1 ? "" : "s"} (last error: ${lastError}). Reconnect to continue.`,
  undecryptable:
    "A stored secret of this connection cannot be decrypted with the configured TOKEN_ENCRYPTION_KEYS (a key was removed or changed). Restore the key, or reconnect.",
} as const;

export interface RefreshRetryPolicy {
  /** Attempts per run, the first included: one quick retry of a transient failure at most. */
  maxAttempts: number;
  /** Wait before the retry, with jitter (ZENDESK_REFRESH_RETRY_DELAY_MS). */
  baseDelayMs: number;
  /** Cap of that wait (a Retry-After is honoured up to maxTotalWaitMs). */
  maxDelayMs: number;
  /** Cap of the total time spent waiting between attempts. */
  maxTotalWaitMs: number;
}

let retryOverride: Partial<RefreshRetryPolicy> | null = null;

function retryPolicy(): RefreshRetryPolicy {
  const base = zendeskSettings().refreshRetryDelayMs;
  return { maxAttempts: 2, baseDelayMs: base, maxDelayMs: base * 4, maxTotalWaitMs: 10_000, ...retryOverride };
}

/** Changes how transient refresh failures are retried within a run (tests use short waits); null restores. */
export function setRefreshRetryPolicy(policy: Partial<RefreshRetryPolicy> | null): void {
  retryOverride = policy === null ? null : { ...retryOverride, ...policy };
}

/** Decides, from the stored row (re-read in the claim), whether it must be renewed now. */
export type DuePredicate = (row: ZendeskConnection, nowMs: number) => boolean;

/** True when the access token expires within the refresh margin (null expiry: never). */
export function accessTokenDue(row: Pick<ZendeskConnection, "accessTokenExpiresAt">, nowMs: number): boolean {
  if (row.accessTokenExpiresAt === null) return false;
  return row.accessTokenExpiresAt.getTime() - nowMs <= zendeskSettings().refreshMarginSeconds * 1000;
}

export type Trigger = "on_demand" | "manual" | "keep_alive" | "rejected" | "disconnect";

/** The lease a claim writes: how long one attempt may take (the token call and a margin). */
export function refreshLeaseMs(): number {
  return zendeskSettings().httpTimeoutMs + 5000;
}

/**
 * Lease holders are "<kind>:<id>". A `reserve:` lease is a keep-alive runner's hold on a row of its
 * batch that it has not started on: other runners leave it alone, but a person or an API call may
 * take it over. `refresh:` and `disconnect:` leases are only ever waited for.
 */
export type LeaseKind = "reserve" | "refresh" | "disconnect";
export function newLeaseHolder(kind: LeaseKind, id: string = randomUUID()): string {
  return `${kind}:${id}`;
}
const leaseId = (holder: string) => holder.slice(holder.indexOf(":") + 1);

interface RenewRequest {
  connectionId: string;
  /** Refresh only while the stored token_version is still this one; a newer one means someone else rotated. */
  baseVersion: number;
  /** "force" renews whatever the expiry; "due" only when `due` says so in the claim. */
  mode: "force" | "due";
  due: DuePredicate;
  trigger: Trigger;
  actorUserId: string | null;
  /** When another process holds the lease: wait for its result (true) or report "busy" at once. */
  wait: boolean;
  /** Automatic callers respect a failing connection's next_attempt_at; a person acting tries once. */
  respectBackoff: boolean;
  /** Attempts within this call (the first included). */
  maxAttempts: number;
  /** A lease this caller already holds (keep-alive batch, disconnect); otherwise a fresh one. */
  holder?: string;
  /** Release the lease after storing (false: the disconnect keeps its claim). */
  release: boolean;
  now: () => number;
}

export type RenewStatus = "refreshed" | "skipped" | "busy" | "backoff";

export interface RenewResult {
  status: RenewStatus;
  /** The row after the attempt (as stored, or as re-read). */
  row: ZendeskConnection;
}

const inFlight = new Map<string, { key: string; promise: Promise<RenewResult> }>();

export interface ClockOption {
  /** The app's clock (tests and the keep-alive inject one); defaults to Date.now. */
  now?: () => number;
}

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
  const connectionId = row.id;
  assertUsable(row, now());
  if (!accessTokenDue(row, now())) return tokenOf(row);
  const result = await renewSingleFlight({
    connectionId,
    baseVersion: row.tokenVersion,
    mode: "due",
    due: accessTokenDue,
    trigger: "on_demand",
    actorUserId: null,
    wait: true,
    respectBackoff: true,
    maxAttempts: retryPolicy().maxAttempts,
    release: true,
    now,
  });
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
    const result = await renewSingleFlight({
      connectionId: row.id,
      baseVersion: row.tokenVersion,
      mode: force ? "force" : "due",
      due: accessTokenDue,
      trigger: "manual",
      actorUserId,
      wait: true,
      respectBackoff: false,
      maxAttempts: 1,
      release: true,
      now,
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
  const result = await renewSingleFlight({
    connectionId,
    baseVersion: row.tokenVersion,
    mode: "due",
    due,
    trigger: "keep_alive",
    actorUserId: null,
    wait: false,
    respectBackoff: true,
    maxAttempts: retryPolicy().maxAttempts,
    holder: holder ? newLeaseHolder("refresh", leaseId(holder)) : undefined,
    release: true,
    now,
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
  { now = Date.now }: ClockOption = {},
): Promise<{ accessToken: string; tokenVersion: number }> {
  const row = await loadConnection(connectionId);
  assertUsable(row, now());
  if (row.tokenVersion !== rejectedVersion) return tokenOf(row);
  const result = await renewSingleFlight({
    connectionId,
    baseVersion: rejectedVersion,
    mode: "force",
    due: accessTokenDue,
    trigger: "rejected",
    actorUserId: null,
    wait: true,
    respectBackoff: true,
    maxAttempts: retryPolicy().maxAttempts,
    release: true,
    now,
  });
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
  const result = await renewWithRetries({
    connectionId,
    baseVersion: row.tokenVersion,
    mode: "due",
    due: accessTokenDue,
    trigger: "disconnect",
    actorUserId: null,
    wait: false,
    respectBackoff: false,
    maxAttempts: 1,
    holder,
    release: false,
    now,
  });
  return result.row;
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
      { actorUserId: null, trigger: "rejected", now: Date.now() },
    );
  });
  notifyConnectionListeners(events);
  return error;
}

/** Loads a connection or throws ZendeskError("connection_not_found"). */
export async function loadConnection(connectionId: string): Promise<ZendeskConnection> {
  const [row] = await db.select().from(zendeskConnections).where(eq(zendeskConnections.id, connectionId));
  if (!row) throw new ZendeskError("connection_not_found", "This Zendesk connection no longer exists.");
  return row;
}

/**
 * Takes the row's lease in one short transaction for `holder` (disconnect): waits briefly while
 * someone else refreshes it. Returns the row as claimed.
 */
export async function claimConnection(
  connectionId: string,
  holder: string,
  leaseMs: number,
  { now = Date.now }: ClockOption = {},
): Promise<ZendeskConnection> {
  const deadline = Date.now() + refreshLeaseMs() + 1000;
  for (;;) {
    const claimed = await tryLease(connectionId, holder, leaseMs, now());
    if (claimed === "not_found")
      throw new ZendeskError("connection_not_found", "This Zendesk connection no longer exists.");
    if (claimed !== "busy") return claimed;
    if (Date.now() > deadline)
      throw new ZendeskError(
        "refresh_in_progress",
        "A refresh of this Zendesk connection is taking too long; try again shortly.",
      );
    await sleep(pollMs());
  }
}

/** Gives a lease back (only if `holder` still has it). */
export async function releaseLease(connectionId: string, holder: string): Promise<void> {
  await db
    .update(zendeskConnections)
    .set({ refreshLeaseHolder: null, refreshLeaseExpiresAt: null })
    .where(and(eq(zendeskConnections.id, connectionId), eq(zendeskConnections.refreshLeaseHolder, holder)));
}

/** Fails fast, without calling Zendesk, for a connection Zendesk already refused. */
function assertUsable(row: ZendeskConnection, nowMs: number): void {
  if (row.status === "revoked")
    throw new ZendeskError("token_revoked", row.statusReason ?? TOKEN_REASONS.revokedInZendesk);
  if (row.status === "needs_reconnect") {
    const expired = row.refreshTokenExpiresAt !== null && row.refreshTokenExpiresAt.getTime() <= nowMs;
    throw new ZendeskError(
      expired ? "refresh_token_expired" : "needs_reconnect",
      row.statusReason ?? TOKEN_REASONS.refreshRefused,
    );
  }
}

function backoffError(row: ZendeskConnection): ZendeskError {
  const when = row.nextAttemptAt ? ` The next automatic attempt is at ${row.nextAttemptAt.toISOString()};` : "";
  return new ZendeskError(
    "zendesk_error",
    `Renewing the Zendesk token failed recently (${row.lastError ?? "Zendesk did not answer"}).${when} use Refresh now to try again sooner.`,
  );
}

function tokenOf(row: ZendeskConnection) {
  return {
    accessToken: openAccessToken(row),
    tokenVersion: row.tokenVersion,
    connection: row,
  };
}

/**
 * What a request asks for, as a key: two requests with the same key accept the same outcome. An
 * on-use renewal that backs off, or a keep-alive that finds the row busy, answers neither a person's
 * Refresh now nor an API call whose token Zendesk just rejected.
 */
function policyKey(request: RenewRequest): string {
  return [request.trigger, request.mode, request.wait, request.respectBackoff, request.maxAttempts].join("|");
}

/**
 * One refresh per connection at a time in this process. A caller with the same policy shares the
 * running attempt's outcome; any other caller waits for it to settle, takes a rotation it brought
 * (a newer token_version than the one it asked about), and otherwise runs its own attempt.
 */
async function renewSingleFlight(request: RenewRequest): Promise<RenewResult> {
  const id = request.connectionId;
  const key = policyKey(request);
  for (;;) {
    const running = inFlight.get(id);
    if (!running) break;
    // A joiner did not refresh anything itself: it reports "skipped" (counts stay exact).
    if (running.key === key)
      return running.promise.then((result) =>
        result.status === "refreshed" ? { ...result, status: "skipped" } : result,
      );
    const settled = await running.promise.then(
      (result) => result,
      () => undefined,
    );
    if (settled && settled.row.tokenVersion !== undefined && settled.row.tokenVersion !== request.baseVersion)
      return { status: "skipped", row: settled.row };
  }
  const promise = renewWithRetries(request).finally(() => {
    if (inFlight.get(id)?.promise === promise) inFlight.delete(id);
  });
  inFlight.set(id, { key, promise });
  return promise;
}

/** What an earlier attempt may have done at Zendesk, for reading an invalid_grant right. */
interface EarlierAttempts {
  /** An attempt may have reached Zendesk without its answer being stored (ours, or a crashed holder's). */
  answerMaybeLost: boolean;
  /** Any earlier failure at all: the diagnosis of an invalid_grant is then hedged. */
  earlierFailure: boolean;
}

type Claim =
  | { kind: "claimed"; row: ZendeskConnection; grant: TokenGrant; priorAttemptUnfinished: boolean }
  | { kind: "done"; result: RenewResult }
  | { kind: "busy"; row: ZendeskConnection }
  | { kind: "ended"; error: ZendeskError; events: ConnectionEvent[] }
  | { kind: "failed"; failure: LocalFailure };

/** A failure before any call to Zendesk that still must be written to the connection. */
interface LocalFailure {
  code: ZendeskErrorCode;
  message: string;
  /** Operator problems that a restart with the right configuration fixes: they back off. */
  row: ZendeskConnection;
}

async function renewWithRetries(request: RenewRequest): Promise<RenewResult> {
  const policy = retryPolicy();
  const holder = request.holder ?? newLeaseHolder("refresh");
  const earlier: EarlierAttempts = { answerMaybeLost: false, earlierFailure: false };
  const waitUntil = Date.now() + refreshLeaseMs() + 1000;
  let attempts = 0;
  let waitedMs = 0;
  let client: ZendeskClientCredentials | undefined;

  for (;;) {
    const claim = await claimForRefresh(request, holder);
    if (claim.kind === "done") return claim.result;
    if (claim.kind === "ended") {
      notifyConnectionListeners(claim.events);
      throw claim.error;
    }
    if (claim.kind === "failed") {
      // Nothing reached Zendesk: an earlier holder's marker (it may have rotated) stays as it was.
      await recordFailure(request, holder, claim.failure.row, { local: claim.failure }, attempts, {
        set: claim.failure.row.refreshInFlightSince,
      });
      throw new ZendeskError(claim.failure.code, claim.failure.message);
    }
    if (claim.kind === "busy") {
      // Someone else is refreshing it: the keep-alive leaves it to them; a caller waits briefly for
      // the version they store (or for their lease to lapse, then claims it itself).
      if (!request.wait) return { status: "busy", row: claim.row };
      if (Date.now() > waitUntil)
        throw new ZendeskError(
          "refresh_in_progress",
          "Another refresh of this Zendesk connection is taking too long; try again shortly.",
        );
      await sleep(pollMs());
      continue;
    }

    const { row, grant } = claim;
    // At the first claim of this call, a set refresh_in_flight_since is an earlier holder's attempt
    // that never stored its answer (crashed, or lost it): it may have rotated the pair.
    if (attempts === 0 && claim.priorAttemptUnfinished) earlier.answerMaybeLost = true;
    if (!client) {
      try {
        client = await credentialsFor(row);
      } catch (error) {
        const local = localFailureOf(error, row);
        if (!local) {
          await releaseLease(row.id, holder);
          throw error;
        }
        // The marker as it was before our claim: an earlier holder's survives, ours is withdrawn.
        await recordFailure(request, holder, row, { local }, attempts, { set: row.refreshInFlightSince });
        throw new ZendeskError(local.code, local.message);
      }
    }

    attempts += 1;
    let response: TokenResponse;
    try {
      response = await requestToken(row.subdomain, client, grant);
    } catch (error) {
      if (!(error instanceof ZendeskError) || !error.failure) {
        await releaseLease(row.id, holder);
        throw error;
      }
      const failure = error.failure;
      const verdict = verdictFor(failure, row, request, earlier);
      if (verdict.status !== "error") {
        const outcome = await storeVerdict(request, holder, row, verdict);
        if (outcome.kind === "skipped") return outcome.result;
        notifyConnectionListeners(outcome.events);
        throw new ZendeskError(verdict.code, verdict.reason, verdict.failure);
      }
      earlier.earlierFailure = true;
      const maybeLost =
        failure.kind === "unreachable" ||
        failure.kind === "timeout" ||
        (failure.kind === "malformed" && failure.status < 300);
      if (maybeLost) earlier.answerMaybeLost = true;
      const delay = isTransient(failure) ? retryDelayMs(attempts, failure, policy) : undefined;
      if (attempts < request.maxAttempts && delay !== undefined && waitedMs + delay <= policy.maxTotalWaitMs) {
        await sleep(delay);
        waitedMs += delay;
        continue;
      }
      const stored = await recordFailure(
        request,
        holder,
        row,
        { failure },
        attempts,
        earlier.answerMaybeLost ? { keep: true } : { set: null },
      );
      if (stored.ended) throw new ZendeskError("needs_reconnect", stored.reason, failure);
      throw new ZendeskError(
        codeForFailure(failure),
        `Could not renew the Zendesk token: ${describeFailure(failure)}`,
        failure,
      );
    }

    const stored = await storeRotation(request, holder, row, grant, response);
    if (stored.kind === "skipped") return stored.result;
    notifyConnectionListeners(stored.events);
    // Off the caller's wait, and in a request after its response (Next keeps the function alive).
    runAfterResponse(() => followUp(row, stored.result.row, response));
    return stored.result;
  }
}

type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];

/**
 * The claim: a short transaction that takes the row without waiting for a lock (NOWAIT, or SKIP
 * LOCKED for the keep-alive), re-reads it, decides, and writes the lease. Commits before Zendesk.
 */
async function claimForRefresh(request: RenewRequest, holder: string): Promise<Claim> {
  const nowMs = request.now();
  try {
    return await db.transaction(async (tx): Promise<Claim> => {
      await setLocalTimeouts(tx);
      const row = await lockRow(tx, request.connectionId, request.wait ? "nowait" : "skip");
      // Read through the open transaction: a second pooled connection here would let concurrent claims
      // (keep-alive concurrency >= pool size) each hold one and wait for another.
      if (row === "locked") return { kind: "busy", row: await readRow(tx, request.connectionId) };
      if (!row) {
        if (!request.wait) return { kind: "done", result: { status: "skipped", row: placeholderRow(request) } };
        throw new ZendeskError("connection_not_found", "This Zendesk connection no longer exists.");
      }
      if (row.status === "needs_reconnect" || row.status === "revoked") {
        try {
          assertUsable(row, nowMs);
        } catch (error) {
          return { kind: "ended", error: error as ZendeskError, events: [] };
        }
      }
      if (row.tokenVersion !== request.baseVersion) return { kind: "done", result: { status: "skipped", row } };
      if (!leaseAvailable(row, holder, request.trigger, nowMs)) return { kind: "busy", row };
      if (request.mode === "due" && !request.due(row, nowMs)) {
        if (ownsLease(row, holder) && request.release) await clearLease(tx, row.id);
        return { kind: "done", result: { status: "skipped", row } };
      }
      if (request.respectBackoff && row.nextAttemptAt !== null && row.nextAttemptAt.getTime() > nowMs) {
        if (ownsLease(row, holder) && request.release) await clearLease(tx, row.id);
        return { kind: "done", result: { status: "backoff", row } };
      }

      let grant: TokenGrant;
      if (row.mode === "client_credentials") {
        const scopes = row.grantedScopes.length > 0 ? row.grantedScopes : row.requestedScopes;
        grant = { grant_type: "client_credentials", scope: scopes.join(" ") };
      } else {
        if (!row.refreshTokenCiphertext)
          return endInClaim(
            tx,
            row,
            { status: "needs_reconnect", reason: TOKEN_REASONS.noRefreshToken, code: "needs_reconnect" },
            request,
            holder,
            nowMs,
          );
        if (row.refreshTokenExpiresAt !== null && row.refreshTokenExpiresAt.getTime() <= nowMs) {
          // Zendesk would only answer invalid_grant: do not send a dead token anywhere.
          return endInClaim(
            tx,
            row,
            { status: "needs_reconnect", reason: TOKEN_REASONS.refreshTokenExpired, code: "refresh_token_expired" },
            request,
            holder,
            nowMs,
          );
        }
        let refreshToken: string;
        try {
          refreshToken = openRefreshToken({ id: row.id, refreshTokenCiphertext: row.refreshTokenCiphertext });
        } catch (error) {
          const local = localFailureOf(error, row);
          if (!local) throw error;
          return { kind: "failed", failure: local };
        }
        grant = { grant_type: "refresh_token", refresh_token: refreshToken };
      }
      // An earlier holder set refresh_in_flight_since and never stored an answer: it may have rotated.
      const priorAttemptUnfinished = row.refreshInFlightSince !== null;
      await tx
        .update(zendeskConnections)
        .set({
          refreshLeaseHolder: holder,
          refreshLeaseExpiresAt: new Date(nowMs + Math.max(refreshLeaseMs(), remainingLeaseMs(row, holder, nowMs))),
          refreshInFlightSince: row.refreshInFlightSince ?? new Date(nowMs),
        })
        .where(eq(zendeskConnections.id, row.id));
      return { kind: "claimed", row, grant, priorAttemptUnfinished };
    });
  } catch (error) {
    if (isLockTimeout(error)) return { kind: "busy", row: await loadConnection(request.connectionId) };
    throw error;
  }
}

/** Whether `holder` may take the row's lease for `trigger`. */
function leaseAvailable(row: ZendeskConnection, holder: string, trigger: Trigger, nowMs: number): boolean {
  const current = row.refreshLeaseHolder;
  if (current === null || row.refreshLeaseExpiresAt === null || row.refreshLeaseExpiresAt.getTime() <= nowMs)
    return true;
  // Ours (a keep-alive reservation now being worked on included).
  if (leaseId(current) === leaseId(holder)) return true;
  // A runner's reservation it has not started on yields to a person or an API call.
  return current.startsWith("reserve:") && trigger !== "keep_alive";
}

/** Whether someone else's live `disconnect:` lease is on the row: it is being ended, no outcome is stored. */
function disconnecting(row: ZendeskConnection, holder: string, nowMs: number): boolean {
  return (
    row.refreshLeaseHolder !== null &&
    row.refreshLeaseHolder.startsWith("disconnect:") &&
    !ownsLease(row, holder) &&
    row.refreshLeaseExpiresAt !== null &&
    row.refreshLeaseExpiresAt.getTime() > nowMs
  );
}

/** Whether the row's lease is held under `holder`'s id (a runner's reservation and its refresh share one). */
function ownsLease(row: ZendeskConnection, holder: string | undefined): boolean {
  return holder !== undefined && row.refreshLeaseHolder !== null && leaseId(row.refreshLeaseHolder) === leaseId(holder);
}

function remainingLeaseMs(row: ZendeskConnection, holder: string, nowMs: number): number {
  if (!ownsLease(row, holder) || row.refreshLeaseExpiresAt === null) return 0;
  return row.refreshLeaseExpiresAt.getTime() - nowMs;
}

async function tryLease(
  connectionId: string,
  holder: string,
  leaseMs: number,
  nowMs: number,
): Promise<ZendeskConnection | "busy" | "not_found"> {
  try {
    return await db.transaction(async (tx) => {
      await setLocalTimeouts(tx);
      const row = await lockRow(tx, connectionId, "nowait");
      if (row === "locked") return "busy";
      if (!row) return "not_found";
      if (!leaseAvailable(row, holder, "disconnect", nowMs)) return "busy";
      const [updated] = await tx
        .update(zendeskConnections)
        .set({ refreshLeaseHolder: holder, refreshLeaseExpiresAt: new Date(nowMs + leaseMs) })
        .where(eq(zendeskConnections.id, connectionId))
        .returning();
      return updated!;
    });
  } catch (error) {
    if (isLockTimeout(error)) return "busy";
    throw error;
  }
}

/** The row without a lock, through the caller's transaction (a locked row is still readable). */
async function readRow(tx: Tx, connectionId: string): Promise<ZendeskConnection> {
  const [row] = await tx.select().from(zendeskConnections).where(eq(zendeskConnections.id, connectionId));
  if (!row) throw new ZendeskError("connection_not_found", "This Zendesk connection no longer exists.");
  return row;
}

/** FOR UPDATE NOWAIT / SKIP LOCKED: never queue behind a lock (ours are milliseconds; an old version's are not). */
async function lockRow(
  tx: Tx,
  connectionId: string,
  how: "nowait" | "skip",
): Promise<ZendeskConnection | undefined | "locked"> {
  const query = tx.select().from(zendeskConnections).where(eq(zendeskConnections.id, connectionId));
  if (how === "skip") {
    const [row] = await query.for("update", { skipLocked: true });
    if (row) return row;
    // Skipped because locked, or gone: tell them apart without waiting.
    const [exists] = await tx
      .select({ id: zendeskConnections.id })
      .from(zendeskConnections)
      .where(eq(zendeskConnections.id, connectionId));
    return exists ? "locked" : undefined;
  }
  const [row] = await query.for("update", { noWait: true });
  return row;
}

async function clearLease(tx: Tx, id: string): Promise<void> {
  await tx
    .update(zendeskConnections)
    .set({ refreshLeaseHolder: null, refreshLeaseExpiresAt: null })
    .where(eq(zendeskConnections.id, id));
}

async function endInClaim(
  tx: Tx,
  row: ZendeskConnection,
  verdict: Verdict,
  request: RenewRequest,
  holder: string,
  nowMs: number,
): Promise<Claim> {
  const events = await markEnded(tx, row, verdict, {
    actorUserId: request.actorUserId,
    trigger: request.trigger,
    now: nowMs,
    releaseHolder: request.release ? holder : undefined,
  });
  return { kind: "ended", error: new ZendeskError(verdict.code, verdict.reason, verdict.failure), events };
}

/**
 * Stores the rotated pair, re-encrypted, with token_version + 1: the commit that comes first. It is
 * stored only while the row still holds the grant we renewed (same token_version) and no one else is
 * ending it (a live `disconnect:` lease); otherwise the pair belongs to no one and is revoked.
 */
async function storeRotation(
  request: RenewRequest,
  holder: string,
  row: ZendeskConnection,
  grant: TokenGrant,
  response: TokenResponse,
): Promise<
  { kind: "stored"; result: RenewResult; events: ConnectionEvent[] } | { kind: "skipped"; result: RenewResult }
> {
  const nowMs = request.now();
  // The answer's own lifetimes decide (we always ask for them); current.json may fill gaps later.
  const expiries = tokenExpiries(response, null, nowMs);
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
  const accessTokenCiphertext = sealed.accessTokenCiphertext;
  const lease = zendeskConnections.refreshLeaseHolder;
  const mine = `%:${leaseId(holder)}`;
  const outcome = await db.transaction(async (tx) => {
    await setLocalTimeouts(tx);
    // One statement, the guard in its WHERE: Zendesk accepted the refresh token we read under our
    // lease, so no renewal can have rotated it; only a reconnect (a newer token_version) or a
    // disconnect (its lease) can have taken the row from this grant meanwhile.
    const [updated] = await tx
      .update(zendeskConnections)
      .set({
        accessTokenCiphertext,
        refreshTokenCiphertext,
        accessTokenExpiresAt: expiries.accessTokenExpiresAt,
        refreshTokenExpiresAt,
        // Unknown until current.json names it (revocation falls back to DELETE current.json).
        zendeskTokenId: null,
        tokenVersion: row.tokenVersion + 1,
        ...healthy(),
        lastRefreshedAt: new Date(nowMs),
        // Only our own lease is released (a reservation and its refresh share one id).
        ...(request.release
          ? {
              refreshLeaseHolder: sql`case when ${lease} like ${mine} then null else ${lease} end`,
              refreshLeaseExpiresAt: sql`case when ${lease} like ${mine} then null else ${zendeskConnections.refreshLeaseExpiresAt} end`,
            }
          : {}),
      })
      .where(
        and(
          eq(zendeskConnections.id, row.id),
          eq(zendeskConnections.tokenVersion, row.tokenVersion),
          sql`not (${lease} like 'disconnect:%' and ${lease} not like ${mine} and ${zendeskConnections.refreshLeaseExpiresAt} > ${new Date(nowMs).toISOString()}::timestamptz)`,
        ),
      )
      .returning();
    if (!updated) {
      const [current] = await tx.select().from(zendeskConnections).where(eq(zendeskConnections.id, row.id));
      return { kind: "superseded" as const, current };
    }
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
    await insertConnectionEvent(tx, event);
    return { kind: "stored" as const, result: { status: "refreshed" as const, row: updated }, events: [event] };
  });
  if (outcome.kind === "stored") return outcome;
  await dropSupersededPair(request, holder, row, outcome.current, response.access_token);
  if (!outcome.current) throw new ZendeskError("connection_not_found", "This Zendesk connection no longer exists.");
  return { kind: "skipped", result: { status: "skipped", row: outcome.current } };
}

/**
 * A renewal whose grant was replaced (reconnect) or ended (disconnect) while Zendesk answered: the
 * rotated pair it holds is live at Zendesk and nobody else has it. Revoke it, release our lease, and
 * say so in the history (kept after a disconnect deleted the row: connection_id null).
 */
async function dropSupersededPair(
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

/**
 * After the commit, best effort: current.json names the new token (for revocation by id) and fills
 * an expiry the answer left out; a replaced client-credentials token is revoked. A crash here costs
 * nothing but metadata.
 */
async function followUp(before: ZendeskConnection, stored: ZendeskConnection, response: TokenResponse): Promise<void> {
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
async function revokeReplacedToken(row: ZendeskConnection): Promise<void> {
  let outcome: AccessTokenRevocation;
  try {
    outcome = await revokeAccessToken(row.subdomain, openAccessToken(row), row.zendeskTokenId);
  } catch (error) {
    if (!(error instanceof ZendeskError) && !localFailureOf(error, row)) throw error;
    outcome = { status: "failed", reason: "the stored token could not be read" };
  }
  if (outcome.status === "failed")
    console.warn(
      `[zendesk] ${row.subdomain}: the replaced client-credentials token was not revoked (${outcome.reason}); it expires by itself`,
    );
}

interface Verdict {
  status: "needs_reconnect" | "revoked" | "error";
  reason: string;
  code: ZendeskErrorCode;
  failure?: ZendeskFailure;
}

/** What a refusal of the token endpoint means for the connection ("error": not a verdict, back off). */
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
      // token_version is the one we read under the lease: Zendesk refused exactly the token we hold.
      if (earlier.answerMaybeLost)
        return { status: "needs_reconnect", reason: TOKEN_REASONS.lostResponse, code: "needs_reconnect", failure };
      if (request.trigger === "rejected")
        return { status: "revoked", reason: TOKEN_REASONS.revokedInZendesk, code: "token_revoked", failure };
      if (earlier.earlierFailure || row.status === "error" || row.refreshFailures > 0)
        return {
          status: "needs_reconnect",
          reason: TOKEN_REASONS.refreshRefusedAfterFailure,
          code: "needs_reconnect",
          failure,
        };
      return { status: "needs_reconnect", reason: TOKEN_REASONS.refreshRefused, code: "needs_reconnect", failure };
    }
    if (failure.error === "invalid_client" || failure.error === "unauthorized_client")
      return { status: "needs_reconnect", reason: TOKEN_REASONS.invalidClient, code: "invalid_client", failure };
    if (failure.error === "invalid_scope")
      return { status: "needs_reconnect", reason: TOKEN_REASONS.invalidScope, code: "invalid_scope", failure };
  }
  // Anything else (network, 5xx, 429, an unknown account, invalid_request, an unexpected status) is
  // not a verdict on this connection's grant: keep the tokens, back off, let the give-up rule decide.
  return { status: "error", reason: describeFailure(failure), code: codeForFailure(failure), failure };
}

/** Stores a permanent verdict, unless someone rotated meanwhile (then the verdict was about an old token). */
async function storeVerdict(
  request: RenewRequest,
  holder: string,
  row: ZendeskConnection,
  verdict: Verdict,
): Promise<{ kind: "ended"; events: ConnectionEvent[] } | { kind: "skipped"; result: RenewResult }> {
  const nowMs = request.now();
  return db.transaction(async (tx) => {
    await setLocalTimeouts(tx);
    const [current] = await tx.select().from(zendeskConnections).where(eq(zendeskConnections.id, row.id)).for("update");
    if (!current) throw new ZendeskError("connection_not_found", "This Zendesk connection no longer exists.");
    // A verdict on a grant the row no longer holds (reconnected), or on a row a disconnect is ending,
    // is not written: it was about a token no one keeps.
    if (current.tokenVersion !== row.tokenVersion || disconnecting(current, holder, nowMs))
      return { kind: "skipped" as const, result: { status: "skipped" as const, row: current } };
    const events = await markEnded(tx, current, verdict, {
      actorUserId: request.actorUserId,
      trigger: request.trigger,
      now: nowMs,
      releaseHolder: request.release ? holder : undefined,
    });
    return { kind: "ended" as const, events };
  });
}

/** Stores an ended (needs_reconnect / revoked) state; the tokens stay as they are. */
async function markEnded(
  tx: Tx,
  row: ZendeskConnection,
  verdict: Pick<Verdict, "status" | "reason" | "failure">,
  o: { actorUserId: string | null; trigger: Trigger; now: number; releaseHolder?: string },
): Promise<ConnectionEvent[]> {
  const at = new Date(o.now);
  const lastError = verdict.failure ? describeFailure(verdict.failure) : verdict.reason;
  await tx
    .update(zendeskConnections)
    .set({
      status: verdict.status,
      statusReason: verdict.reason,
      lastError,
      lastErrorAt: at,
      refreshInFlightSince: null,
      nextAttemptAt: null,
      ...(ownsLease(row, o.releaseHolder) ? { refreshLeaseHolder: null, refreshLeaseExpiresAt: null } : {}),
    })
    .where(eq(zendeskConnections.id, row.id));
  const base = {
    connectionId: row.id,
    workspaceId: row.workspaceId,
    subdomain: row.subdomain,
    actorUserId: o.actorUserId,
  };
  const data = { trigger: o.trigger, failure: verdict.failure ? failureSummary(verdict.failure) : null };
  const events: ConnectionEvent[] = [
    {
      ...base,
      type: "refresh_failed",
      detail: lastError,
      data: { ...data, attempts: row.refreshFailures + 1, nextAttemptAt: null },
    },
    { ...base, type: verdict.status === "revoked" ? "revoked" : "needs_reconnect", detail: verdict.reason, data },
  ];
  for (const event of events) await insertConnectionEvent(tx, event);
  return events;
}

/** The back-off before the n-th automatic attempt after n failures: exponential, jittered, capped. */
export function backoffSeconds(failures: number, random: number = Math.random()): number {
  const s = zendeskSettings();
  const exponential = Math.min(
    s.refreshBackoffMaxSeconds,
    s.refreshBackoffBaseSeconds * 2 ** Math.max(0, failures - 1),
  );
  // Jitter in the upper quarter: spreads connections that failed together, never shortens much.
  return Math.round(exponential * (0.75 + random * 0.25));
}

/**
 * A failure that is not Zendesk's verdict: tokens untouched, status error, the next automatic attempt
 * after a back-off; failing for longer than ZENDESK_REFRESH_GIVE_UP_DAYS ends the connection.
 * refresh_in_flight_since stays set when the answer may have been lost (the next attempt must know),
 * and a failure before any call to Zendesk leaves an earlier holder's marker as it was.
 */
async function recordFailure(
  request: RenewRequest,
  holder: string,
  row: ZendeskConnection,
  what: { failure: ZendeskFailure } | { local: LocalFailure },
  attempts: number,
  /** refresh_in_flight_since afterwards: kept when an answer may have been lost at Zendesk. */
  marker: { keep: true } | { set: Date | null },
): Promise<{ ended: boolean; reason: string }> {
  const nowMs = request.now();
  const s = zendeskSettings();
  const failure = "failure" in what ? what.failure : undefined;
  const lastError = failure ? describeFailure(failure) : (what as { local: LocalFailure }).local.message;
  const result = await db.transaction(async (tx) => {
    await setLocalTimeouts(tx);
    const [current] = await tx.select().from(zendeskConnections).where(eq(zendeskConnections.id, row.id)).for("update");
    if (
      !current ||
      current.tokenVersion !== row.tokenVersion ||
      disconnecting(current, holder, nowMs) ||
      (current.status !== "active" && current.status !== "error")
    )
      return { ended: false, reason: lastError, events: [] as ConnectionEvent[] };
    const failures = current.refreshFailures + 1;
    const failingSince = current.failingSince ?? new Date(nowMs);
    const base = {
      connectionId: row.id,
      workspaceId: row.workspaceId,
      subdomain: row.subdomain,
      actorUserId: request.actorUserId,
    };
    const releaseMine =
      request.release && ownsLease(current, holder) ? { refreshLeaseHolder: null, refreshLeaseExpiresAt: null } : {};
    if (nowMs - failingSince.getTime() > s.refreshGiveUpDays * 86_400_000) {
      const reason =
        failure?.kind === "unknown_subdomain"
          ? TOKEN_REASONS.accountNotFound(s.refreshGiveUpDays)
          : TOKEN_REASONS.gaveUp(s.refreshGiveUpDays, lastError);
      await tx
        .update(zendeskConnections)
        .set({
          status: "needs_reconnect",
          statusReason: reason,
          lastError,
          lastErrorAt: new Date(nowMs),
          refreshFailures: failures,
          failingSince,
          nextAttemptAt: null,
          refreshInFlightSince: "keep" in marker ? current.refreshInFlightSince : marker.set,
          ...releaseMine,
        })
        .where(eq(zendeskConnections.id, row.id));
      const data = {
        trigger: request.trigger,
        failure: failure ? failureSummary(failure) : null,
        attempts: failures,
        nextAttemptAt: null,
        gaveUp: true,
      };
      const events: ConnectionEvent[] = [
        { ...base, type: "refresh_failed", detail: lastError, data },
        { ...base, type: "needs_reconnect", detail: reason, data },
      ];
      for (const event of events) await insertConnectionEvent(tx, event);
      return { ended: true, reason, events };
    }
    const nextAttemptAt = new Date(nowMs + backoffSeconds(failures) * 1000);
    await tx
      .update(zendeskConnections)
      .set({
        status: "error",
        lastError,
        lastErrorAt: new Date(nowMs),
        refreshFailures: failures,
        failingSince,
        nextAttemptAt,
        refreshInFlightSince: "keep" in marker ? current.refreshInFlightSince : marker.set,
        ...releaseMine,
      })
      .where(eq(zendeskConnections.id, row.id));
    const event: ConnectionEvent = {
      ...base,
      type: "refresh_failed",
      detail: `${lastError} (${attempts} attempt${attempts === 1 ? "" : "s"} this time, ${failures} failure${failures === 1 ? "" : "s"} in a row; the stored tokens are unchanged; next automatic attempt at ${nextAttemptAt.toISOString()})`,
      data: {
        trigger: request.trigger,
        failure: failure
          ? failureSummary(failure)
          : { kind: "local", code: (what as { local: LocalFailure }).local?.code },
        attempts: failures,
        attemptsThisRun: attempts,
        nextAttemptAt: nextAttemptAt.toISOString(),
      },
    };
    await insertConnectionEvent(tx, event);
    return { ended: false, reason: lastError, events: [event] };
  });
  notifyConnectionListeners(result.events);
  return { ended: result.ended, reason: result.reason };
}

/** Problems on our side that must still be written to the connection (and back off). */
function localFailureOf(error: unknown, row: ZendeskConnection): LocalFailure | undefined {
  // An operator problem (no global client configured, the local client deleted).
  if (error instanceof ZendeskError && error.code === "no_client")
    return { code: "no_client", message: error.message, row };
  const name = error instanceof Error ? error.name : "";
  if (name === "DecryptionError" || name === "MissingKeyError")
    return { code: "storage_failed", message: TOKEN_REASONS.undecryptable, row };
  return undefined;
}

async function credentialsFor(row: ZendeskConnection): Promise<ZendeskClientCredentials> {
  return resolveClientCredentials(row.workspaceId, row.oauthClientId);
}

/** A stand-in row for a connection deleted between listing and claiming (keep-alive only). */
function placeholderRow(request: RenewRequest): ZendeskConnection {
  return { id: request.connectionId, tokenVersion: request.baseVersion } as ZendeskConnection;
}

/** Postgres only: bounded waits. PGlite is one process whose transactions already run one at a time. */
async function setLocalTimeouts(tx: Tx): Promise<void> {
  if (database().kind !== "postgres") return;
  // Claims and stores are milliseconds and never wait for a row lock (NOWAIT / SKIP LOCKED); the
  // bounds only cut off a stuck statement.
  await tx.execute(
    sql`select set_config('lock_timeout', '5000ms', true), set_config('statement_timeout', '10000ms', true), set_config('idle_in_transaction_session_timeout', '10000ms', true)`,
  );
}

function isLockTimeout(error: unknown): boolean {
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } })?.code ??
    (error as { cause?: { code?: unknown } })?.cause?.code;
  // 55P03 lock_not_available (NOWAIT, lock_timeout), 57014 query_canceled (statement_timeout).
  return code === "55P03" || code === "57014";
}

/** How often a waiter looks for the holder's result. */
function pollMs(): number {
  return Math.min(250, Math.max(25, Math.round(zendeskSettings().httpTimeoutMs / 40)));
}

/** Milliseconds to wait before the in-run retry, or undefined when a Retry-After exceeds the cap. */
function retryDelayMs(attempt: number, failure: ZendeskFailure, policy: RefreshRetryPolicy): number | undefined {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(exponential / 2 + Math.random() * (exponential / 2));
  if (failure.kind === "rate_limited" && failure.retryAfterSeconds !== undefined) {
    const retryAfterMs = failure.retryAfterSeconds * 1000;
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
