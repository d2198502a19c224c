import { and, eq, sql } from "drizzle-orm";
import { db } from "../db/index.js";
import { type ZendeskConnection, zendeskConnections } from "../db/schema.js";
import { type ConnectionEvent, insertConnectionEvent, notifyConnectionListeners } from "../store/events.js";
import { ended, failing, healthy } from "../store/transitions.js";
import { sealConnectionTokens } from "../store/sealed.js";
import { describeFailure, ZendeskError, type ZendeskFailure } from "../transport/errors.js";
import { zendeskSettings } from "../transport/settings.js";
import { tokenExpiries } from "./expiry.js";
import type { TokenGrant, TokenResponse } from "./endpoint.js";
import { dropSupersededPair } from "./follow-up.js";
import { disconnecting, leaseId, ownsLease, setLocalTimeouts, type Tx } from "./lease.js";
import {
  backoffSeconds,
  failureSummary,
  type LocalFailure,
  type RenewRequest,
  type RenewResult,
  TOKEN_REASONS,
  type Trigger,
  type Verdict,
} from "./policy.js";

/*
 * The transitions of a connection's state, one writer each: renewed (healthy), failing (error with a
 * back-off), ended (needs_reconnect / revoked). Each writes a complete column set
 * (store/transitions.ts) and states what it holds: the token_version it read under its lease, and
 * its lease holder. None writes onto a row whose grant changed meanwhile (a reconnect) or that
 * someone else is disconnecting; each releases only its own lease.
 */

/**
 * Stores the rotated pair, re-encrypted, with token_version + 1: the commit that comes first. It is
 * stored only while the row still holds the grant we renewed (same token_version) and no one else is
 * ending it (a live `disconnect:` lease); otherwise the pair belongs to no one and is revoked.
 */
export async function storeRotation(
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

/** Stores a permanent verdict, unless someone rotated meanwhile (then the verdict was about an old token). */
export async function storeVerdict(
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
export async function markEnded(
  tx: Tx,
  row: ZendeskConnection,
  verdict: Pick<Verdict, "status" | "reason" | "failure">,
  o: { actorUserId: string | null; trigger: Trigger; now: number; releaseHolder?: string },
): Promise<ConnectionEvent[]> {
  // Only a verdict ends a connection; "error" is a failure to back off from (recordFailure).
  if (verdict.status === "error") throw new Error("markEnded needs needs_reconnect or revoked");
  const status = verdict.status;
  const at = new Date(o.now);
  const lastError = verdict.failure ? describeFailure(verdict.failure) : verdict.reason;
  await tx
    .update(zendeskConnections)
    .set({
      ...ended({
        status,
        reason: verdict.reason,
        lastError,
        at,
        failures: row.refreshFailures,
        failingSince: row.failingSince,
        inFlightSince: null,
      }),
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

/**
 * A failure that is not Zendesk's verdict: tokens untouched, status error, the next automatic attempt
 * after a back-off; failing for longer than ZENDESK_REFRESH_GIVE_UP_DAYS ends the connection.
 * refresh_in_flight_since stays set when the answer may have been lost (the next attempt must know),
 * and a failure before any call to Zendesk leaves an earlier holder's marker as it was.
 */
export async function recordFailure(
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
          ...ended({
            status: "needs_reconnect",
            reason,
            lastError,
            at: new Date(nowMs),
            failures,
            failingSince,
            inFlightSince: "keep" in marker ? current.refreshInFlightSince : marker.set,
          }),
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
        ...failing({
          lastError,
          at: new Date(nowMs),
          failures,
          failingSince,
          nextAttemptAt,
          inFlightSince: "keep" in marker ? current.refreshInFlightSince : marker.set,
        }),
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
