import { runAfterResponse } from "../after-response.js";
import { type ZendeskConnection, zendeskConnections } from "../db/schema.js";
import { db } from "../db/index.js";
import { eq } from "drizzle-orm";
import { type ConnectionEvent, notifyConnectionListeners } from "../store/events.js";
import { resolveClientCredentials, type ZendeskClientCredentials } from "../store/oauth-clients.js";
import { openRefreshToken } from "../store/sealed.js";
import { codeForFailure, describeFailure, isTransient, ZendeskError } from "../transport/errors.js";
import { requestToken, type TokenGrant, type TokenResponse } from "./endpoint.js";
import { followUp } from "./follow-up.js";
import {
  clearLease,
  isLockTimeout,
  leaseAvailable,
  lockRow,
  loadConnection,
  newLeaseHolder,
  ownsLease,
  readRow,
  releaseLease,
  remainingLeaseMs,
  setLocalTimeouts,
  type Tx,
} from "./lease.js";
import {
  assertUsable,
  type DuePredicate,
  type EarlierAttempts,
  type LocalFailure,
  localFailureOf,
  pollMs,
  type PolicyName,
  refreshLeaseMs,
  type RenewRequest,
  type RenewResult,
  retryDelayMs,
  retryPolicy,
  sleep,
  TOKEN_REASONS,
  type Verdict,
  verdictFor,
} from "./policy.js";
import { markEnded, recordFailure, storeRotation, storeVerdict } from "./state.js";
import { ATTR, withRenewalSpan } from "../telemetry/spans.js";
import { recordRenewal } from "../telemetry/metrics.js";

/*
 * A renewal: a named policy per kind of caller, a single-flight that shares an attempt only among
 * callers of the same policy, the claim (a short transaction writing the lease), the call to Zendesk
 * with no transaction open, and the store of its answer (state.ts).
 */

/** Each kind of caller's fixed policy. `attempts: "retry"` allows one quick retry of a transient failure. */
export const POLICIES: Record<
  PolicyName,
  Pick<RenewRequest, "trigger" | "mode" | "wait" | "respectBackoff" | "release"> & { attempts: "retry" | "once" }
> = {
  /** An API call found its token expired: waits for another holder, respects the back-off. */
  on_use: { trigger: "on_demand", mode: "due", wait: true, respectBackoff: true, release: true, attempts: "retry" },
  /** Zendesk refused the access token (401): renew whatever its expiry, unless someone already did. */
  rejected: { trigger: "rejected", mode: "force", wait: true, respectBackoff: true, release: true, attempts: "retry" },
  /** A person's Refresh now: one attempt even while automatic renewals back off. */
  refresh_now: { trigger: "manual", mode: "force", wait: true, respectBackoff: false, release: true, attempts: "once" },
  /** A person's (or a host's) refresh when due. */
  refresh_if_due: {
    trigger: "manual",
    mode: "due",
    wait: true,
    respectBackoff: false,
    release: true,
    attempts: "once",
  },
  /** The keep-alive: never waits (a busy row is left to its holder), respects the back-off. */
  keep_alive: {
    trigger: "keep_alive",
    mode: "due",
    wait: false,
    respectBackoff: true,
    release: true,
    attempts: "retry",
  },
  /** Disconnect's renewal under its own lease, which it keeps. */
  disconnect: {
    trigger: "disconnect",
    mode: "due",
    wait: false,
    respectBackoff: false,
    release: false,
    attempts: "once",
  },
};

/** A request under a named policy. */
export function renewRequest(
  policy: PolicyName,
  o: {
    connectionId: string;
    baseVersion: number;
    due: DuePredicate;
    actorUserId?: string | null;
    holder?: string;
    now: () => number;
  },
): RenewRequest {
  const { attempts, ...fixed } = POLICIES[policy];
  return {
    policy,
    ...fixed,
    connectionId: o.connectionId,
    baseVersion: o.baseVersion,
    due: o.due,
    actorUserId: o.actorUserId ?? null,
    holder: o.holder,
    maxAttempts: attempts === "retry" ? retryPolicy().maxAttempts : 1,
    now: o.now,
  };
}

export const inFlight = new Map<string, { key: string; promise: Promise<RenewResult> }>();

/**
 * What a request asks for, as a key: two requests with the same key accept the same outcome. An
 * on-use renewal that backs off, or a keep-alive that finds the row busy, answers neither a person's
 * Refresh now nor an API call whose token Zendesk just rejected.
 */
export function policyKey(request: RenewRequest): string {
  return request.policy;
}

/**
 * One refresh per connection at a time in this process. A caller with the same policy shares the
 * running attempt's outcome; any other caller waits for it to settle, takes a rotation it brought
 * (a newer token_version than the one it asked about), and otherwise runs its own attempt.
 */
export async function renewSingleFlight(request: RenewRequest): Promise<RenewResult> {
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
  const promise = observedRenewal(request).finally(() => {
    if (inFlight.get(id)?.promise === promise) inFlight.delete(id);
  });
  inFlight.set(id, { key, promise });
  return promise;
}

/**
 * A renewal as operators see it: one span (trigger, connection, subdomain, outcome) and one count
 * of zendesk_connect.renewals by outcome and trigger. Joiners of a single-flight add neither.
 */
async function observedRenewal(request: RenewRequest): Promise<RenewResult> {
  return withRenewalSpan({ trigger: request.trigger, connectionId: request.connectionId }, async (span) => {
    try {
      const result = await renewWithRetries(request);
      if (result.row.subdomain) span.setAttribute(ATTR.subdomain, result.row.subdomain);
      recordRenewal({ outcome: RENEWAL_OUTCOME[result.status], trigger: request.trigger });
      return result;
    } catch (error) {
      const code = error instanceof ZendeskError ? error.code : "internal_error";
      const outcome = endingErrors.has(error as object) ? "needs_reconnect" : "failed";
      recordRenewal({ outcome, trigger: request.trigger, code });
      throw error;
    }
  });
}

const RENEWAL_OUTCOME = { refreshed: "renewed", skipped: "skipped", busy: "skipped", backoff: "backoff" } as const;

/** Errors thrown because the connection ended (a verdict, or giving up): counted as needs_reconnect. */
const endingErrors = new WeakSet<object>();
function ending(error: ZendeskError): ZendeskError {
  endingErrors.add(error);
  return error;
}

export type Claim =
  | { kind: "claimed"; row: ZendeskConnection; grant: TokenGrant; priorAttemptUnfinished: boolean }
  | { kind: "done"; result: RenewResult }
  | { kind: "busy"; row: ZendeskConnection }
  | { kind: "ended"; error: ZendeskError; events: ConnectionEvent[] }
  | { kind: "failed"; failure: LocalFailure };

export async function renewWithRetries(request: RenewRequest): Promise<RenewResult> {
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
      throw ending(claim.error);
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
      // A quick retry within this renewal is a resend of the same request (http.request.resend_count).
      response = await requestToken(row.subdomain, client, grant, { resendCount: attempts - 1 });
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
        throw ending(new ZendeskError(verdict.code, verdict.reason, verdict.failure));
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
      if (stored.ended) throw ending(new ZendeskError("needs_reconnect", stored.reason, failure));
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

/**
 * The claim: a short transaction that takes the row without waiting for a lock (NOWAIT, or SKIP
 * LOCKED for the keep-alive), re-reads it, decides, and writes the lease. Commits before Zendesk.
 */
export async function claimForRefresh(request: RenewRequest, holder: string): Promise<Claim> {
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

export async function endInClaim(
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

export async function credentialsFor(row: ZendeskConnection): Promise<ZendeskClientCredentials> {
  return resolveClientCredentials(row.workspaceId, row.oauthClientId);
}

/** A stand-in row for a connection deleted between listing and claiming (keep-alive only). */
export function placeholderRow(request: RenewRequest): ZendeskConnection {
  return { id: request.connectionId, tokenVersion: request.baseVersion } as ZendeskConnection;
}
