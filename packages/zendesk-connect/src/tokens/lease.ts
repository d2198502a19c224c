import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { database, db } from "../db/index.js";
import { type ZendeskConnection, zendeskConnections } from "../db/schema.js";
import { ZendeskError } from "../transport/errors.js";
import { type ClockOption, pollMs, refreshLeaseMs, sleep, type Trigger } from "./policy.js";

/*
 * The lease: who may call Zendesk's token endpoint for a row, until when. Taken and released in
 * short transactions (FOR UPDATE NOWAIT, or SKIP LOCKED for the keep-alive); no lock is ever held
 * across a call to Zendesk, and no second pooled connection is taken inside a transaction.
 */

export type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];

/**
 * Lease holders are "<kind>:<id>". A `reserve:` lease is a keep-alive runner's hold on a row of its
 * batch that it has not started on: other runners leave it alone, but a person or an API call may
 * take it over. `refresh:` and `disconnect:` leases are only ever waited for.
 */
export type LeaseKind = "reserve" | "refresh" | "disconnect";

export function newLeaseHolder(kind: LeaseKind, id: string = randomUUID()): string {
  return `${kind}:${id}`;
}

export const leaseId = (holder: string) => holder.slice(holder.indexOf(":") + 1);

/** Whether `holder` may take the row's lease for `trigger`. */
export function leaseAvailable(row: ZendeskConnection, holder: string, trigger: Trigger, nowMs: number): boolean {
  const current = row.refreshLeaseHolder;
  if (current === null || row.refreshLeaseExpiresAt === null || row.refreshLeaseExpiresAt.getTime() <= nowMs)
    return true;
  // Ours (a keep-alive reservation now being worked on included).
  if (leaseId(current) === leaseId(holder)) return true;
  // A runner's reservation it has not started on yields to a person or an API call.
  return current.startsWith("reserve:") && trigger !== "keep_alive";
}

/** Whether someone else's live `disconnect:` lease is on the row: it is being ended, no outcome is stored. */
export function disconnecting(row: ZendeskConnection, holder: string, nowMs: number): boolean {
  return (
    row.refreshLeaseHolder !== null &&
    row.refreshLeaseHolder.startsWith("disconnect:") &&
    !ownsLease(row, holder) &&
    row.refreshLeaseExpiresAt !== null &&
    row.refreshLeaseExpiresAt.getTime() > nowMs
  );
}

/** Whether the row's lease is held under `holder`'s id (a runner's reservation and its refresh share one). */
export function ownsLease(row: ZendeskConnection, holder: string | undefined): boolean {
  return holder !== undefined && row.refreshLeaseHolder !== null && leaseId(row.refreshLeaseHolder) === leaseId(holder);
}

export function remainingLeaseMs(row: ZendeskConnection, holder: string, nowMs: number): number {
  if (!ownsLease(row, holder) || row.refreshLeaseExpiresAt === null) return 0;
  return row.refreshLeaseExpiresAt.getTime() - nowMs;
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

export async function tryLease(
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
export async function readRow(tx: Tx, connectionId: string): Promise<ZendeskConnection> {
  const [row] = await tx.select().from(zendeskConnections).where(eq(zendeskConnections.id, connectionId));
  if (!row) throw new ZendeskError("connection_not_found", "This Zendesk connection no longer exists.");
  return row;
}

/** FOR UPDATE NOWAIT / SKIP LOCKED: never queue behind a lock (ours are milliseconds; an old version's are not). */
export async function lockRow(
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

export async function clearLease(tx: Tx, id: string): Promise<void> {
  await tx
    .update(zendeskConnections)
    .set({ refreshLeaseHolder: null, refreshLeaseExpiresAt: null })
    .where(eq(zendeskConnections.id, id));
}

/** Postgres only: bounded waits. PGlite is one process whose transactions already run one at a time. */
export async function setLocalTimeouts(tx: Tx): Promise<void> {
  if (database().kind !== "postgres") return;
  // Claims and stores are milliseconds and never wait for a row lock (NOWAIT / SKIP LOCKED); the
  // bounds only cut off a stuck statement.
  await tx.execute(
    sql`select set_config('lock_timeout', '5000ms', true), set_config('statement_timeout', '10000ms', true), set_config('idle_in_transaction_session_timeout', '10000ms', true)`,
  );
}

export function isLockTimeout(error: unknown): boolean {
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } })?.code ??
    (error as { cause?: { code?: unknown } })?.cause?.code;
  // 55P03 lock_not_available (NOWAIT, lock_timeout), 57014 query_canceled (statement_timeout).
  return code === "55P03" || code === "57014";
}
