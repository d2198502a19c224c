import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { and, asc, eq, inArray, lte, or, sql } from "drizzle-orm";
import { db } from "@/db";
import { type ZendeskConnection, zendeskConnections } from "@/db/schema";
import { env } from "@/config/env";
import type { ZendeskErrorCode } from "@/lib/zendesk/catalogue/error-codes";
import { zendeskSettings } from "@/lib/zendesk/transport/settings";
import { ZendeskError } from "@/lib/zendesk/transport/errors";
import { refreshIfDue } from "./lifecycle";
import { countNonExpiringConnections } from "@/lib/zendesk/store/non-expiring";

/*
 * The keep-alive job: renews connections before their access token expires and, above all,
 * before an unused refresh token lapses (Zendesk refresh tokens expire after 7-90 days without
 * use, and then only a person can reconnect). Safe to run from several instances at once: rows
 * another process is refreshing are skipped (FOR UPDATE SKIP LOCKED), and each refresh re-checks
 * under the row lock, so no connection is ever refreshed twice for one need.
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
      /** Zendesk refused the grant (or the refresh token lapsed): the connection now needs a person to reconnect. */
      needsReconnect: boolean;
    };

export interface KeepAliveSummary {
  refreshed: number;
  skipped: number;
  failed: number;
  /** Failures that ended a connection because Zendesk refused it (part of `failed`). */
  needsReconnect: number;
  /** Live connections whose token never expires: never renewed here, they need Move to expiring tokens. */
  nonExpiring: number;
  results: KeepAliveOutcome[];
}

// Codes meaning Zendesk gave its verdict on the connection: expected, not an operational failure.
const ENDED_CODES: ReadonlySet<string> = new Set([
  "needs_reconnect",
  "refresh_token_expired",
  "token_revoked",
  "invalid_client",
  "invalid_scope",
]);

/**
 * Refreshes every active or failing connection whose access token expires within the refresh
 * margin or whose refresh token expires within ZENDESK_KEEPALIVE_REFRESH_DAYS.
 */
export async function refreshDueConnections({
  now = new Date(),
  limit = 100,
  concurrency = 4,
}: { now?: Date; limit?: number; concurrency?: number } = {}): Promise<KeepAliveSummary> {
  const nowMs = now.getTime();
  const s = zendeskSettings();
  const accessBefore = new Date(nowMs + s.refreshMarginSeconds * 1000);
  const refreshBefore = new Date(nowMs + s.keepAliveRefreshDays * 86_400_000);
  const candidates = await db
    .select({
      id: zendeskConnections.id,
      workspaceId: zendeskConnections.workspaceId,
      subdomain: zendeskConnections.subdomain,
    })
    .from(zendeskConnections)
    .where(
      and(
        inArray(zendeskConnections.status, ["active", "error"]),
        or(
          lte(zendeskConnections.accessTokenExpiresAt, accessBefore),
          and(
            eq(zendeskConnections.mode, "authorization_code"),
            lte(zendeskConnections.refreshTokenExpiresAt, refreshBefore),
          ),
        ),
      ),
    )
    .orderBy(
      asc(sql`least(${zendeskConnections.accessTokenExpiresAt}, ${zendeskConnections.refreshTokenExpiresAt})`),
      asc(zendeskConnections.id),
    )
    .limit(Math.max(1, Math.floor(limit)))
    // Rows being refreshed right now belong to whoever holds them.
    .for("update", { skipLocked: true });

  // Judged under each row's lock with the run's clock, so a row another run just renewed is skipped.
  const due = (row: ZendeskConnection) => isKeepAliveDue(row, accessBefore, refreshBefore);
  const results: KeepAliveOutcome[] = new Array(candidates.length);
  let next = 0;
  const worker = async () => {
    while (next < candidates.length) {
      const index = next++;
      const c = candidates[index]!;
      results[index] = await refreshOne(c, due);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, candidates.length)) }, worker));

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

/** One line for logs: counts only, never token material. */
export function formatKeepAliveSummary(summary: KeepAliveSummary): string {
  const unattributed = summary.failed - summary.needsReconnect;
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

function isKeepAliveDue(row: ZendeskConnection, accessBefore: Date, refreshBefore: Date): boolean {
  if (row.accessTokenExpiresAt !== null && row.accessTokenExpiresAt.getTime() <= accessBefore.getTime()) return true;
  return (
    row.mode === "authorization_code" &&
    row.refreshTokenExpiresAt !== null &&
    row.refreshTokenExpiresAt.getTime() <= refreshBefore.getTime()
  );
}

async function refreshOne(
  c: { id: string; workspaceId: string; subdomain: string },
  due: (row: ZendeskConnection) => boolean,
): Promise<KeepAliveOutcome> {
  const base = { connectionId: c.id, workspaceId: c.workspaceId, subdomain: c.subdomain };
  try {
    const status = await refreshIfDue(c.id, (row) => due(row));
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
    // Our own problem (database, a missing encryption key): the name only, the message may be long.
    const message =
      error instanceof Error && error.name === "MissingKeyError"
        ? error.message
        : error instanceof Error
          ? error.name
          : "error";
    return { ...base, outcome: "failed", code: "internal", message, needsReconnect: false };
  }
}
