import { createHash, timingSafeEqual } from "node:crypto";
import { and, asc, eq, inArray, isNotNull, isNull, lte, or, sql } from "drizzle-orm";
import { db } from "../db/index.js";
import { type ZendeskConnection, zendeskConnections } from "../db/schema.js";
import { env } from "../config/env.js";
import type { ZendeskErrorCode } from "../catalogue/error-codes.js";
import { zendeskSettings } from "../transport/settings.js";
import { ZendeskError } from "../transport/errors.js";
import { settleAfterResponse } from "../after-response.js";
import { newLeaseHolder, refreshIfDue, refreshLeaseMs, releaseLease } from "./lifecycle.js";
import { countNonExpiringConnections } from "../store/non-expiring.js";

/*
 * The keep-alive job. By default it renews refresh tokens before their deadline: a connection is
 * due when its refresh token expires within ZENDESK_KEEPALIVE_REFRESH_DAYS (Zendesk refresh tokens
 * lapse after 7-90 days without use, and then only a person can reconnect). Access tokens are
 * renewed on use, once, by getAccessToken; ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS=true also renews
 * them before they expire (no first-use latency, at the cost of ~24 rotations a day per connection).
 *
 * Fair and safe with several runners: candidates exclude rows in back-off (next_attempt_at) and rows
 * leased to someone else, healthy rows come first, and each runner reserves its batch with one
 * short claim transaction (FOR UPDATE SKIP LOCKED + a lease), so runners split the work and none
 * holds a lock across a Zendesk call. Each row is then renewed through tokens/lifecycle.ts.
 */

export type KeepAliveOutcome =
  | { connectionId: string; workspaceId: string; subdomain: string; outcome: "refreshed" | "skipped" }
  | {
      connectionId: string;
      workspaceId: string;
      subdomain: string;
      outcome: "failed";
      code: ZendeskErrorCode | "internal";
      message: string;
      /** Zendesk refused the grant (or the refresh token lapsed, or the give-up rule ended it): a person must reconnect. */
      needsReconnect: boolean;
    };

export interface KeepAliveSummary {
  refreshed: number;
  skipped: number;
  failed: number;
  /** Failures that ended a connection (part of `failed`). */
  needsReconnect: number;
  /** Live connections whose token never expires: never renewed here, they need Move to expiring tokens. */
  nonExpiring: number;
  results: KeepAliveOutcome[];
}

// Codes meaning the connection has ended: expected, not an operational failure.
const ENDED_CODES: ReadonlySet<string> = new Set([
  "needs_reconnect",
  "refresh_token_expired",
  "token_revoked",
  "invalid_client",
  "invalid_scope",
]);

/** Whether the keep-alive renews this row now (also re-checked in each row's claim). */
export function keepAliveDue(
  row: Pick<ZendeskConnection, "mode" | "accessTokenExpiresAt" | "refreshTokenExpiresAt" | "refreshTokenCiphertext">,
  nowMs: number,
): boolean {
  const s = zendeskSettings();
  if (
    row.mode === "authorization_code" &&
    row.refreshTokenCiphertext !== null &&
    row.refreshTokenExpiresAt !== null &&
    row.refreshTokenExpiresAt.getTime() <= nowMs + s.keepAliveRefreshDays * 86_400_000
  )
    return true;
  return (
    s.keepAliveWarmAccessTokens &&
    row.accessTokenExpiresAt !== null &&
    row.accessTokenExpiresAt.getTime() <= nowMs + s.refreshMarginSeconds * 1000
  );
}

/**
 * Renews every due connection: refresh tokens expiring within ZENDESK_KEEPALIVE_REFRESH_DAYS (and,
 * when warm access tokens are on, access tokens expiring within the refresh margin). `now` is the
 * run's clock (tests and benchmarks inject one); it advances with real time during the run.
 */
export async function refreshDueConnections({
  now = new Date(),
  limit = 100,
  concurrency = zendeskSettings().keepAliveConcurrency,
}: { now?: Date; limit?: number; concurrency?: number } = {}): Promise<KeepAliveSummary> {
  const startedAt = Date.now();
  const clock = () => now.getTime() + (Date.now() - startedAt);
  const batch = Math.max(1, Math.floor(limit));
  const workers = Math.max(1, Math.floor(concurrency));
  const runId = newLeaseHolder("reserve");
  // Long enough for the whole batch at this concurrency, each row one retry; a crashed runner's
  // reservations lapse after it and other runners take the rows.
  const reserveMs = refreshLeaseMs() * 2 * Math.ceil(batch / workers) + 5000;
  const candidates = await reserveBatch(runId, clock(), batch, reserveMs);

  const results: KeepAliveOutcome[] = new Array(candidates.length);
  let next = 0;
  const worker = async () => {
    while (next < candidates.length) {
      const index = next++;
      results[index] = await refreshOne(candidates[index]!, runId, clock);
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, Math.max(1, candidates.length)) }, worker));
  // The post-commit follow-ups (current.json) of this run: a script must not exit under them (in a
  // request, Next runs them after the response instead).
  await settleAfterResponse();

  const failed = results.filter((r) => r.outcome === "failed");
  return {
    refreshed: results.filter((r) => r.outcome === "refreshed").length,
    skipped: results.filter((r) => r.outcome === "skipped").length,
    failed: failed.length,
    needsReconnect: failed.filter((r) => r.outcome === "failed" && r.needsReconnect).length,
    nonExpiring: await countNonExpiringConnections(),
    results,
  };
}

/**
 * The batch claim: one short transaction picks due rows that nobody holds and that are not in
 * back-off, healthy rows first then the nearest deadline, skipping rows locked right now, and
 * reserves them for this run.
 */
async function reserveBatch(
  runId: string,
  nowMs: number,
  limit: number,
  reserveMs: number,
): Promise<{ id: string; workspaceId: string; subdomain: string }[]> {
  const s = zendeskSettings();
  const now = new Date(nowMs);
  const refreshBefore = new Date(nowMs + s.keepAliveRefreshDays * 86_400_000);
  const accessBefore = new Date(nowMs + s.refreshMarginSeconds * 1000);
  const c = zendeskConnections;
  const due = s.keepAliveWarmAccessTokens
    ? or(
        and(
          eq(c.mode, "authorization_code"),
          isNotNull(c.refreshTokenCiphertext),
          lte(c.refreshTokenExpiresAt, refreshBefore),
        ),
        lte(c.accessTokenExpiresAt, accessBefore),
      )
    : and(
        eq(c.mode, "authorization_code"),
        isNotNull(c.refreshTokenCiphertext),
        lte(c.refreshTokenExpiresAt, refreshBefore),
      );
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: c.id, workspaceId: c.workspaceId, subdomain: c.subdomain })
      .from(c)
      .where(
        and(
          inArray(c.status, ["active", "error"]),
          due,
          or(isNull(c.nextAttemptAt), lte(c.nextAttemptAt, now)),
          or(isNull(c.refreshLeaseExpiresAt), lte(c.refreshLeaseExpiresAt, now)),
        ),
      )
      .orderBy(
        asc(c.refreshFailures),
        asc(sql`least(${c.refreshTokenExpiresAt}, ${c.accessTokenExpiresAt})`),
        asc(c.id),
      )
      .limit(limit)
      .for("update", { skipLocked: true });
    if (rows.length === 0) return [];
    await tx
      .update(c)
      .set({ refreshLeaseHolder: runId, refreshLeaseExpiresAt: new Date(nowMs + reserveMs) })
      .where(
        inArray(
          c.id,
          rows.map((r) => r.id),
        ),
      );
    return rows;
  });
}

/** One line for logs: counts only, never token material. */
export function formatKeepAliveSummary(summary: KeepAliveSummary): string {
  const unattributed = unattributedFailures(summary);
  return `zendesk keep-alive: ${summary.refreshed} refreshed, ${summary.skipped} skipped, ${summary.failed} failed (${summary.needsReconnect} need reconnecting, ${unattributed} other), ${summary.nonExpiring} with never-expiring tokens to move`;
}

/** Failures not explained by Zendesk refusing a connection (network, Zendesk errors, our own). */
export function unattributedFailures(summary: KeepAliveSummary): number {
  return summary.failed - summary.needsReconnect;
}

export type CronAuthorization = "ok" | "not_configured" | "unauthorized";

/** Checks `Authorization: Bearer <CRON_SECRET>` in constant time; "not_configured" when CRON_SECRET is unset. */
export function checkCronAuthorization(header: string | null): CronAuthorization {
  const secret = env().cronSecret;
  if (!secret) return "not_configured";
  const match = /^Bearer (.+)$/.exec(header ?? "");
  const presented = match?.[1] ?? "";
  // Hashing first gives equal lengths, so timingSafeEqual leaks neither content nor length.
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(secret).digest();
  return timingSafeEqual(a, b) && presented !== "" ? "ok" : "unauthorized";
}

async function refreshOne(
  c: { id: string; workspaceId: string; subdomain: string },
  runId: string,
  clock: () => number,
): Promise<KeepAliveOutcome> {
  const base = { connectionId: c.id, workspaceId: c.workspaceId, subdomain: c.subdomain };
  try {
    const status = await refreshIfDue(c.id, (row, nowMs) => keepAliveDue(row, nowMs), { holder: runId, now: clock });
    return { ...base, outcome: status === "refreshed" ? "refreshed" : "skipped" };
  } catch (error) {
    const typed = error instanceof ZendeskError ? error : undefined;
    if (typed)
      return {
        ...base,
        outcome: "failed",
        code: typed.code,
        message: typed.message,
        needsReconnect: ENDED_CODES.has(typed.code),
      };
    // Our own problem (database): the name only, the message may be long. The reservation lapses.
    await releaseLease(c.id, runId).catch(() => {});
    return {
      ...base,
      outcome: "failed",
      code: "internal",
      message: error instanceof Error ? error.name : "error",
      needsReconnect: false,
    };
  }
}
