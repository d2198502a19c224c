import { db } from "../db/index.js";
import { type ZendeskConnectionEventType, zendeskConnectionEvents } from "../db/schema.js";
import { runAfterResponse } from "../after-response.js";
import { enqueueConnectionWebhook } from "../webhooks/outbox.js";
import { errorName, logger } from "../telemetry/log.js";

/*
 * The single place connection state changes are recorded and emitted. Host apps subscribe
 * with onConnectionEvent (e.g. to email an admin when a connection needs reconnecting).
 *
 * Rule: a history row (and its webhook) is written in the transaction of the state change it
 * reports, and in-process listeners hear of it only after that transaction committed, so a
 * listener never acts on a state that was rolled back. Two ways to follow it:
 * - `transactionWithEvents(async (tx, record) => { ...; await record(event); })`: records in the
 *   transaction and dispatches to listeners once it committed (nothing when it rolled back);
 * - or `recordConnectionEvent(event, tx)` inside your own `db.transaction`, collecting what it
 *   returns, then `dispatchAfterCommit(events)` after the transaction resolved.
 * `recordConnectionEvent(event)` without a transaction writes with autocommit and dispatches at once.
 */

export interface ConnectionEvent {
  type: ZendeskConnectionEventType;
  connectionId: string | null;
  workspaceId: string;
  subdomain: string;
  actorUserId: string | null;
  /** Human-readable and safe to show: never token material. */
  detail?: string;
  data?: Record<string, unknown>;
}

/** An event as recorded: what listeners receive. */
export type RecordedConnectionEvent = ConnectionEvent & { at: Date };

export type ConnectionEventListener = (event: RecordedConnectionEvent) => void | Promise<void>;

const listeners = new Set<ConnectionEventListener>();

/** Subscribes to connection events; returns the unsubscribe function. */
export function onConnectionEvent(listener: ConnectionEventListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

type Executor = Pick<typeof db, "insert" | "select">;
export type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];

/**
 * Writes an event to the history table and queues its webhook with `executor`. Given a
 * transaction, listeners are NOT notified: pass the returned event to dispatchAfterCommit once
 * the transaction committed. Without one (autocommit) they are notified right away.
 */
export async function recordConnectionEvent(
  event: ConnectionEvent,
  executor: Executor = db,
): Promise<RecordedConnectionEvent> {
  await insertConnectionEvent(executor, event);
  const recorded = { ...event, at: new Date() };
  if (executor === db) dispatchAfterCommit([recorded]);
  return recorded;
}

/**
 * Writes the history row and queues the host app's webhook in the caller's transaction, without
 * telling in-process listeners: call notifyConnectionListeners after that transaction commits.
 */
export async function insertConnectionEvent(executor: Executor, event: ConnectionEvent): Promise<void> {
  await executor.insert(zendeskConnectionEvents).values({
    connectionId: event.connectionId,
    workspaceId: event.workspaceId,
    subdomain: event.subdomain,
    type: event.type,
    actorUserId: event.actorUserId,
    detail: event.detail ?? null,
    data: event.data ?? null,
  });
  await enqueueConnectionWebhook(executor, event); // the host app's webhook, in the same transaction
}

/**
 * Runs `fn` in one transaction; events passed to `record` are written in it and dispatched to
 * listeners only after it committed. Returns what `fn` returned.
 */
export async function transactionWithEvents<T>(
  fn: (tx: Tx, record: (event: ConnectionEvent) => Promise<void>) => Promise<T>,
): Promise<T> {
  const recorded: RecordedConnectionEvent[] = [];
  const result = await db.transaction((tx) =>
    fn(tx, async (event) => void recorded.push(await recordConnectionEvent(event, tx))),
  );
  dispatchAfterCommit(recorded);
  return result;
}

/** Tells in-process listeners about events whose transaction committed (see dispatchAfterCommit). */
export function notifyConnectionListeners(events: readonly ConnectionEvent[]): void {
  const at = new Date();
  dispatchAfterCommit(events.map((event) => ({ ...event, at })));
}

/**
 * Notifies in-process listeners of committed events, in order, off the caller's path: after
 * the response inside a request (Next's after()), else on the next turn of the event loop.
 * A listener's failure is logged and never reaches the caller.
 */
export function dispatchAfterCommit(events: readonly RecordedConnectionEvent[]): void {
  if (events.length === 0 || listeners.size === 0) return;
  const snapshot = [...listeners];
  // Each listener hears the events in order; a slow listener never holds up another.
  runAfterResponse(async () => {
    await Promise.all(
      snapshot.map(async (listener) => {
        for (const event of events) {
          try {
            await listener(event);
          } catch (error) {
            logger.error(
              { connectionId: event.connectionId, event_type: event.type, err_name: errorName(error) },
              "a connection event listener failed",
            );
          }
        }
      }),
    );
  });
}
