import type { ZendeskConnection } from "../db/schema.js";
import type { ZendeskErrorCode } from "../catalogue/error-codes.js";
import { PERMISSIONS_REDUCED_REASON } from "../catalogue/permissions-reduced.js";
import { codeForFailure, describeFailure, ZendeskError, type ZendeskFailure } from "../transport/errors.js";
import { zendeskSettings } from "../transport/settings.js";

/*
 * The lifecycle's policy, pure: the reasons shown to people, when a token is due, what a refusal of
 * the token endpoint means (Zendesk's verdict, or a failure to back off from), the back-off and the
 * in-run retry. Nothing here reads or writes the database or calls Zendesk.
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

export let retryOverride: Partial<RefreshRetryPolicy> | null = null;

export function retryPolicy(): RefreshRetryPolicy {
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

/** The kinds of renewal callers ask for; each has one fixed policy (renew.ts's POLICIES). */
export type PolicyName = "on_use" | "rejected" | "refresh_now" | "refresh_if_due" | "keep_alive" | "disconnect";

export interface RenewRequest {
  /** The named policy (renew.ts): also the key under which concurrent callers share an attempt. */
  policy: PolicyName;
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

export interface ClockOption {
  /** The app's clock (tests and the keep-alive inject one); defaults to Date.now. */
  now?: () => number;
}

/** What an earlier attempt may have done at Zendesk, for reading an invalid_grant right. */
export interface EarlierAttempts {
  /** An attempt may have reached Zendesk without its answer being stored (ours, or a crashed holder's). */
  answerMaybeLost: boolean;
  /** Any earlier failure at all: the diagnosis of an invalid_grant is then hedged. */
  earlierFailure: boolean;
}

/** A failure before any call to Zendesk that still must be written to the connection. */
export interface LocalFailure {
  code: ZendeskErrorCode;
  message: string;
  /** Operator problems that a restart with the right configuration fixes: they back off. */
  row: ZendeskConnection;
}

export interface Verdict {
  status: "needs_reconnect" | "revoked" | "error";
  reason: string;
  code: ZendeskErrorCode;
  failure?: ZendeskFailure;
}

/** What a refusal of the token endpoint means for the connection ("error": not a verdict, back off). */
export function verdictFor(
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

/** Fails fast, without calling Zendesk, for a connection Zendesk already refused. */
export function assertUsable(row: ZendeskConnection, nowMs: number): void {
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

export function backoffError(row: ZendeskConnection): ZendeskError {
  const when = row.nextAttemptAt ? ` The next automatic attempt is at ${row.nextAttemptAt.toISOString()};` : "";
  return new ZendeskError(
    "zendesk_error",
    `Renewing the Zendesk token failed recently (${row.lastError ?? "Zendesk did not answer"}).${when} use Refresh now to try again sooner.`,
  );
}

/** Problems on our side that must still be written to the connection (and back off). */
export function localFailureOf(error: unknown, row: ZendeskConnection): LocalFailure | undefined {
  // An operator problem (no global client configured, the local client deleted).
  if (error instanceof ZendeskError && error.code === "no_client")
    return { code: "no_client", message: error.message, row };
  const name = error instanceof Error ? error.name : "";
  if (name === "DecryptionError" || name === "MissingKeyError")
    return { code: "storage_failed", message: TOKEN_REASONS.undecryptable, row };
  return undefined;
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

/** Milliseconds to wait before the in-run retry, or undefined when a Retry-After exceeds the cap. */
export function retryDelayMs(attempt: number, failure: ZendeskFailure, policy: RefreshRetryPolicy): number | undefined {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(exponential / 2 + Math.random() * (exponential / 2));
  if (failure.kind === "rate_limited" && failure.retryAfterSeconds !== undefined) {
    const retryAfterMs = failure.retryAfterSeconds * 1000;
    if (retryAfterMs > policy.maxTotalWaitMs) return undefined;
    return Math.max(retryAfterMs, jittered);
  }
  return jittered;
}

export function failureSummary(failure: ZendeskFailure): Record<string, unknown> {
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

/** The lease a claim writes: how long one attempt may take (the token call and a margin). */
export function refreshLeaseMs(): number {
  return zendeskSettings().httpTimeoutMs + 5000;
}

/** How often a waiter looks for the holder's result. */
export function pollMs(): number {
  return Math.min(250, Math.max(25, Math.round(zendeskSettings().httpTimeoutMs / 40)));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
